"""The owner's webhooks, on the API page: add one (its signing secret is shown once), send a test call,
remove one. What each delivery got back is listed under its webhook."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from classifiers.forms import WebhookForm, add_service_error
from classifiers.selectors.owned import owned_classifier
from classifiers.selectors.webhooks import classifier_webhook
from classifiers.services.webhooks import webhook_create, webhook_delete, webhook_ping
from classifiers.views.api_sections import NEW_WEBHOOK_COOKIE, NEW_WEBHOOK_SALT
from classifiers.views.keys import render_api_page
from classifiers.views.once import secret_carry
from nanoweb.errors import ServiceError


def _back(classifier_id: UUID) -> HttpResponse:
    return redirect(reverse("classifier_api", args=[classifier_id]) + "#webhooks")


@login_required
@require_POST
def webhook_new(request: HttpRequest, classifier_id: UUID) -> HttpResponse:
    classifier = owned_classifier(request.user, classifier_id)
    form = WebhookForm(request.POST, auto_id="id_hook_%s")
    if form.is_valid():
        percent = form.cleaned_data["unknown_percent"]
        try:
            hook = webhook_create(classifier=classifier, url=form.cleaned_data["url"],
                                  events=form.cleaned_data["events"],
                                  unknown_share_threshold=percent / 100 if percent else None)
        except ServiceError as exc:
            add_service_error(form, exc, fields={"unknown_share_threshold": "unknown_percent"})
        else:
            response = _back(classifier.id)
            secret_carry(response, cookie=NEW_WEBHOOK_COOKIE, salt=NEW_WEBHOOK_SALT, user_id=request.user.pk,
                         secret=f"{hook.id}:{hook.secret}", path=reverse("classifier_api", args=[classifier.id]))
            return response
    return render_api_page(request, classifier, webhook_form=form, status=400)


@login_required
@require_POST
def webhook_test(request: HttpRequest, classifier_id: UUID, webhook_id: UUID) -> HttpResponse:
    hook = classifier_webhook(owned_classifier(request.user, classifier_id), webhook_id)
    webhook_ping(webhook=hook)
    messages.success(request, "Test call sent. Reload this page in a few seconds to see what the address answered.")
    return _back(classifier_id)


@login_required
@require_POST
def webhook_remove(request: HttpRequest, classifier_id: UUID, webhook_id: UUID) -> HttpResponse:
    webhook_delete(webhook=classifier_webhook(owned_classifier(request.user, classifier_id), webhook_id))
    messages.success(request, "Webhook removed: that address is no longer called.")
    return _back(classifier_id)
