"""The API page's share-link and webhook sections: what they show, and a new webhook's secret shown once.

Kept apart from views/keys.py (which renders the page) so the views that take these sections' forms
(views/share_links.py, views/webhooks.py) can render the page again without an import circle.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from classifiers.forms import ShareLinkForm, WebhookForm
from classifiers.models import Classifier, Webhook
from classifiers.selectors.share_links import share_links_live
from classifiers.selectors.webhooks import classifier_webhooks
from classifiers.views.once import secret_carried

NEW_WEBHOOK_COOKIE = "nanoweb_new_webhook"
NEW_WEBHOOK_SALT = "classifiers.views.webhooks.new-secret"


def share_link_address(request: HttpRequest, token: str) -> str:
    return request.build_absolute_uri(reverse("share_page", args=[token]))


def sharing_and_webhooks(request: HttpRequest, classifier: Classifier, *, share_form: ShareLinkForm | None = None,
                         webhook_form: WebhookForm | None = None, webhook_secret: dict | None = None) -> dict:
    links = list(share_links_live(classifier))
    for link in links:
        link.address = share_link_address(request, link.token)
    hooks = classifier_webhooks(classifier)
    for hook in hooks:
        hook.event_words = [_event_words(hook, event) for event in hook.events]
        for delivery in hook.recent:
            delivery.event_words = _event_words(hook, delivery.event)
    return {
        "share_links": links,
        "share_form": share_form or ShareLinkForm(auto_id="id_share_%s"),
        "webhooks": hooks,
        "webhook_form": webhook_form or WebhookForm(auto_id="id_hook_%s"),
        "webhook_secret": webhook_secret,
    }


def _event_words(hook: Webhook, event: str) -> str:
    if event == Webhook.Event.UNKNOWN_SHARE_HIGH and hook.unknown_share_threshold is not None:
        return f"more than {hook.unknown_share_threshold * 100:.0f}% of the last hour’s answers are “none of these”"
    return dict(Webhook.Event.choices).get(event, event)


def new_webhook_secret(request: HttpRequest, classifier: Classifier) -> dict | None:
    """{"id", "secret"} of the webhook "Add" just made, if this request carries it and it still exists."""
    carried = secret_carried(request, cookie=NEW_WEBHOOK_COOKIE, salt=NEW_WEBHOOK_SALT)
    webhook_id, _, secret = carried.partition(":")
    if not secret or not Webhook.objects.filter(classifier=classifier, id=webhook_id, secret=secret).exists():
        return None
    return {"id": webhook_id, "secret": secret}
