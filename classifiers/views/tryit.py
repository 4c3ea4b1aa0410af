"""Try it: a photo (dropped, chosen, or an image link) in, the answer out, with a bar per class."""

from __future__ import annotations

import time
from uuid import UUID

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from classifiers.forms import TryUrlForm
from classifiers.models import Prediction
from classifiers.picture_sources import images_from_request
from classifiers.selectors.catalog import classifier_labels, classifier_state
from classifiers.selectors.owned import owned_classifier
from classifiers.selectors.predictions import retention_days
from classifiers.selectors.training import classifier_versions
from classifiers.services.prediction import answer_in_words, predict_images
from classifiers.services.predictions_log import prediction_record
from classifiers.views.common import version_number_from, wants_json
from nanoweb.errors import InvalidInput, ServiceError


@login_required
def try_it(request: HttpRequest, classifier_id: UUID) -> HttpResponse:
    classifier = owned_classifier(request.user, classifier_id)
    form = TryUrlForm(auto_id="id_try_%s")
    answer, error, status = None, "", 200
    # Any version can be tried, not only the active one (the picker on the page): ?version=N, or the form's.
    version_number = None
    if request.method == "GET" and request.GET.get("version", "").isdigit():
        version_number = int(request.GET["version"])
    if request.method == "POST":
        try:
            version_number = version_number_from(request.POST.get("version"))
            picture = _picture_from(request)
            started = time.perf_counter()
            predictions = predict_images(classifier=classifier, images=[picture[1]], version_number=version_number)
            [log_id] = prediction_record(classifier=classifier, source=Prediction.Source.PAGE, answers=predictions,
                                         pictures=[picture], latency_ms=(time.perf_counter() - started) * 1000)
            answer = {**answer_with_bars(predictions[0]), "id": log_id and str(log_id)}
        except ServiceError as exc:
            error, status = exc.message, exc.http_status
        if wants_json(request):
            return JsonResponse({"answer": answer} if answer else {"error": {"message": error}}, status=status)
        if request.POST.get("url"):
            form = TryUrlForm(request.POST, auto_id="id_try_%s")
            if error:
                form.is_valid()
                form.add_error("url", error)
                error = ""
    context = {"classifier": classifier, "tab": "try", "form": form, "answer": answer, "error": error,
               "state": classifier_state(classifier), "retention_days": retention_days(classifier),
               "labels": classifier_labels(classifier.id),  # the correction buttons under an answer
               "trained": classifier.active_version_id is not None,
               "max_upload_bytes": settings.MAX_UPLOAD_BYTES,
               **_versions_context(classifier, version_number)}
    return render(request, "classifiers/try.html", context, status=status)


def _picture_from(request: HttpRequest) -> tuple[str, bytes]:
    url = request.POST.get("url", "").strip()
    pictures = images_from_request(
        request, file_fields=("image",), urls=lambda: [url] if url else [], single=True,
        max_file_bytes=settings.MAX_UPLOAD_BYTES,
    )
    if not pictures:
        raise InvalidInput("Choose a photo, drop one here, or paste an image link.")
    return pictures[0]


def answer_with_bars(prediction: dict) -> dict:
    """The prediction with its classes as bars, most likely first."""
    bars = sorted(({"label": name, "percent": round(p * 100, 1)}
                   for name, p in (prediction.get("probabilities") or {}).items()),
                  key=lambda bar: -bar["percent"])
    verdict, explanation = answer_in_words(prediction)
    return {**prediction, "percent": round(float(prediction.get("confidence") or 0) * 100, 1), "bars": bars,
            "verdict": verdict, "explanation": explanation}


def _versions_context(classifier, version_number: int | None) -> dict:
    """The versions the picker offers, newest first, and the one answering (the active one unless chosen)."""
    versions = list(classifier_versions(classifier).only("id", "number", "created_at"))
    active = next((v.number for v in versions if v.id == classifier.active_version_id), None)
    known = {v.number for v in versions}
    return {"versions": versions, "active_number": active,
            "chosen_version": version_number if version_number in known else active}
