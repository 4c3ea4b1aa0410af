"""Correct an answer ("this is wrong → it is X", "it is none of these") from the try-it page, the Answers page
or the "label these next" list; and that list itself."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from classifiers.selectors.catalog import classifier_labels, classifier_state
from classifiers.selectors.owned import classifier_label, owned_classifier, owned_prediction
from classifiers.services.corrections import prediction_correct
from classifiers.services.label_next import label_next_queue
from classifiers.views.common import wants_json
from nanoweb.errors import InvalidInput, ServiceError


@login_required
@require_POST
def prediction_feedback(request: HttpRequest, classifier_id: UUID, prediction_id: UUID) -> HttpResponse:
    """One button per class sends `label`; "none of these" sends `none_of_these`."""
    prediction = owned_prediction(request.user, classifier_id, prediction_id)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("classifier_try", args=[classifier_id])
    review = reverse("classifier_review", args=[classifier_id])
    try:
        if request.POST.get("none_of_these"):
            label = None
        else:
            label = classifier_label(prediction.classifier, request.POST.get("label", ""))
            if label is None:
                raise InvalidInput("Choose the class this photo really is.")
        corrected = prediction_correct(prediction=prediction, label=label)
    except ServiceError as exc:
        if wants_json(request):
            return JsonResponse({"error": {"message": exc.message}}, status=exc.http_status)
        messages.error(request, exc.message)
        return redirect(back)
    waiting = corrected.photo is not None and corrected.photo.awaiting_review
    if wants_json(request):
        return JsonResponse({"message": corrected.said, "review_url": review if waiting else None})
    messages.success(request, corrected.said)
    return redirect(back)


@login_required
@require_GET
def label_next(request: HttpRequest, classifier_id: UUID) -> HttpResponse:
    classifier = owned_classifier(request.user, classifier_id)
    try:
        queue, error = label_next_queue(classifier=classifier), ""
    except ServiceError as exc:  # the version in use cannot answer (its files are gone): said in words
        queue, error = [], exc.message
    context = {"classifier": classifier, "tab": "answers", "queue": queue, "error": error,
               "labels": list(classifier_labels(classifier.id)), "state": classifier_state(classifier),
               "here": request.get_full_path()}
    return render(request, "classifiers/label_next.html", context)
