"""Webhooks: a classifier's, each with its latest deliveries, for the API page and the API."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet

from classifiers.models import Classifier, Webhook, WebhookDelivery
from classifiers.selectors.owned import NotYours

RECENT_DELIVERIES = 5


def classifier_webhooks(classifier: Classifier, *, recent: int = RECENT_DELIVERIES) -> list[Webhook]:
    """Oldest first, each with `.recent`: its last `recent` deliveries, newest first (at most ten webhooks a
    classifier, so one query each is fine)."""
    hooks = list(Webhook.objects.filter(classifier=classifier))
    for hook in hooks:
        hook.recent = list(webhook_deliveries(hook)[:recent])
    return hooks


def classifier_webhook(classifier: Classifier, webhook_id: UUID) -> Webhook:
    """One webhook of `classifier` (already the person's), else a 404 on pages and in the API alike."""
    hook = Webhook.objects.filter(classifier=classifier, id=webhook_id).select_related("classifier").first()
    if hook is None:
        raise NotYours(f"Classifier {classifier.id} of yours has no webhook with id {webhook_id}.")
    return hook


def webhook_deliveries(webhook: Webhook) -> QuerySet[WebhookDelivery]:
    """Newest first."""
    return WebhookDelivery.objects.filter(webhook=webhook).order_by("-created_at")
