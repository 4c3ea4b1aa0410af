"""A share link's public page: anyone with the link, signed in or not, asks one classifier about a photo.

It shows the classifier's name, its classes and the answers, nothing else of its owner's (no photos, no
results, no other classifiers, no account). Answers are kept in the prediction log with source "share",
limited per address (NANOWEB_SHARE_RATE), and made from files only, never addresses: a visitor cannot
make NanoWeb fetch from the web for them. The form carries Django's CSRF token like every other (the
cookie needs no account), so another site cannot post photos through a visitor's browser. Responses are
never cached, so a revoked link is a 404 at once.
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from classifiers.models import Prediction
from classifiers.picture_sources import images_from_request
from classifiers.selectors.share_links import share_link_live
from classifiers.services.prediction import predict_images
from classifiers.services.predictions_log import prediction_record
from classifiers.views.common import wants_json
from classifiers.views.tryit import answer_with_bars
from nanoweb.errors import Conflict, InvalidInput, ServiceError
from nanoweb.throttling import WindowRateThrottle

# What of an answer a visitor sees: the verdict and a bar per class (no version, no scores behind them).
SHOWN = ("label", "unknown", "percent", "bars", "verdict", "explanation")
# The owner is told to train; a visitor can do nothing about it.
NOT_READY = "This classifier is not ready to answer yet. Ask the person who gave you this link to try again later."


class ShareRate(WindowRateThrottle):
    """Answers per client address over all share links, counted in the cache (shared by the web processes
    with Redis), the address read by the API limits' rule (NANOWEB_TRUSTED_PROXIES)."""

    scope = "share"

    def get_rate(self) -> str:
        return settings.SHARE_RATE

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def _too_many(throttle: ShareRate) -> str:
    wait = max(1, math.ceil(throttle.wait() or 1))
    return (f"Many photos were sent from your address in a short time. Wait {wait} second{'s' if wait != 1 else ''}, "
            "then try again.")


def _answer(request: HttpRequest, link) -> dict:
    pictures = images_from_request(request, file_fields=("image",), urls=list, single=True,
                                   max_file_bytes=settings.MAX_UPLOAD_BYTES)
    if not pictures:
        raise InvalidInput("Choose a photo, or drop one here.")
    started = time.perf_counter()
    predictions = predict_images(classifier=link.classifier, images=[pictures[0][1]])
    prediction_record(classifier=link.classifier, source=Prediction.Source.SHARE, answers=predictions,
                      pictures=pictures[:1], latency_ms=(time.perf_counter() - started) * 1000)
    answer = answer_with_bars(predictions[0])
    return {key: answer[key] for key in SHOWN}


def share_page(request: HttpRequest, share_token: str) -> HttpResponse:
    link = share_link_live(share_token)
    classifier = link.classifier
    answer, error, status = None, "", 200
    if request.method == "POST":
        throttle = ShareRate()
        if not throttle.allow_request(request, None):
            error, status = _too_many(throttle), 429
        else:
            try:
                answer = _answer(request, link)
            except Conflict:
                error, status = NOT_READY, 409
            except ServiceError as exc:
                error, status = exc.message, exc.http_status
        if wants_json(request):
            response = JsonResponse({"answer": answer} if answer else {"error": {"message": error}}, status=status)
            response["Cache-Control"] = "no-store"
            return response
    version = classifier.active_version
    context = {"name": classifier.name, "answer": answer, "error": error, "trained": version is not None,
               "not_ready": NOT_READY,
               "classes": [label["name"] for label in version.labels] if version else []}
    response = render(request, "classifiers/shared.html", context, status=status)
    response["Cache-Control"] = "no-store"
    # The address is the secret: a link followed from this page must not carry it to another site.
    response["Referrer-Policy"] = "no-referrer"
    return response
