"""Try it: a photo (dropped, chosen, or an image link) in, the answer out, with a bar per class."""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from classifiers.forms import TryUrlForm
from classifiers.picture_sources import images_from_request
from classifiers.selectors.catalog import classifier_state
from classifiers.selectors.owned import owned_classifier
from classifiers.services.prediction import answer_in_words, predict_images
from classifiers.views.common import wants_json
from nanoweb.errors import InvalidInput, ServiceError


@login_required
def try_it(request: HttpRequest, classifier_id: UUID) -> HttpResponse:
    classifier = owned_classifier(request.user, classifier_id)
    form = TryUrlForm(auto_id="id_try_%s")
    answer, error, status = None, "", 200
    if request.method == "POST":
        try:
            image = _image_from(request)
            answer = _answer(predict_images(classifier=classifier, images=[image])[0])
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
               "state": classifier_state(classifier),
               "trained": classifier.active_version_id is not None}
    return render(request, "classifiers/try.html", context, status=status)


def _image_from(request: HttpRequest) -> bytes:
    url = request.POST.get("url", "").strip()
    pictures = images_from_request(
        request, file_fields=("image",), urls=lambda: [url] if url else [], single=True,
        max_file_bytes=settings.MAX_UPLOAD_BYTES,
    )
    if not pictures:
        raise InvalidInput("Choose a photo, drop one here, or paste an image link.")
    return pictures[0][1]


def _answer(prediction: dict) -> dict:
    """The prediction with its classes as bars, most likely first."""
    bars = sorted(({"label": name, "percent": round(p * 100, 1)}
                   for name, p in (prediction.get("probabilities") or {}).items()),
                  key=lambda bar: -bar["percent"])
    verdict, explanation = answer_in_words(prediction)
    return {**prediction, "percent": round(float(prediction.get("confidence") or 0) * 100, 1), "bars": bars,
            "verdict": verdict, "explanation": explanation}
