"""Try it on many photos at once: the batch drop zone's script sends files, a folder's files or zips here and
reads the answers back line by line (JSON lines), so its progress bar follows the work; it writes the CSV.

Lines, in order: {"total": files expected, "version": n}; then any number of {"answers": [...], "unread":
[{"name", "reason"}]}; then {"done": true}, or {"error": {"message"}} when the batch could not go on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.views.decorators.http import require_POST

from classifiers.selectors.owned import owned_classifier
from classifiers.services.batch_predict import BatchStep, batch_predict
from classifiers.views.common import version_number_from
from nanoweb.errors import ServiceError

# What the page's CSV needs of an answer; the page shows no more than that.
ANSWER_FIELDS = ("name", "label", "confidence", "unknown", "unknown_score")


@login_required
@require_POST
def try_batch(request: HttpRequest, classifier_id: UUID) -> HttpResponse:
    classifier = owned_classifier(request.user, classifier_id)
    files = request.FILES.getlist("files")
    if not files:
        return _error("Drop photos, a folder or a zip of photos here, or choose several files.", 400)
    try:
        steps = batch_predict(classifier=classifier, files=files, names=request.POST.getlist("names") or None,
                              version_number=version_number_from(request.POST.get("version")))
    except ServiceError as exc:  # not trained, no such version, its model files lost
        return _error(exc.message, exc.http_status)
    response = StreamingHttpResponse(_lines(steps), content_type="application/x-ndjson")
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"  # a proxy in front must pass each line on as it comes
    return response


def _lines(steps: Iterator[BatchStep]) -> Iterator[bytes]:
    try:
        for index, step in enumerate(steps):
            if index == 0:  # the start: nothing read yet
                yield _line({"total": step.total, "version": step.version})
            else:
                yield _line({"answers": [{key: answer.get(key) for key in ANSWER_FIELDS} for answer in step.answers],
                             "unread": step.unread})
    except ServiceError as exc:  # the site busy with other heavy work: what was answered so far stays answered
        yield _line({"error": {"message": exc.message}})
        return
    yield _line({"done": True})


def _line(data: dict) -> bytes:
    return json.dumps(data).encode() + b"\n"


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": {"message": message}}, status=status)
