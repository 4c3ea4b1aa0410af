"""Retrain with NanoWeb's new engine, and "Use the new version", from the results page."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from classifiers.selectors.owned import owned_classifier
from classifiers.services.engine_update import engine_update_adopt, engine_update_start
from nanoweb.errors import ServiceError


@login_required
@require_POST
def engine_update_retrain(request: HttpRequest, classifier_id: UUID) -> HttpResponse:
    classifier = owned_classifier(request.user, classifier_id)
    try:
        engine_update_start(classifier=classifier)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("classifier_results", args=[classifier.id]) + "#engine-update")
    return redirect(reverse("classifier_results", args=[classifier.id]) + "#training")


@login_required
@require_POST
def engine_update_choose(request: HttpRequest, classifier_id: UUID) -> HttpResponse:
    classifier = owned_classifier(request.user, classifier_id)
    try:
        version = engine_update_adopt(classifier=classifier)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("classifier_results", args=[classifier.id]) + "#engine-update")
    messages.success(request, f"Version {version.number} now answers “Try it” and the API.")
    return redirect("classifier_results", classifier.id)
