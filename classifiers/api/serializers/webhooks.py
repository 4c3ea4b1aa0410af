"""Webhooks: the body that makes or changes one, a webhook as listed, a new one with its secret, a delivery."""

from __future__ import annotations

from rest_framework import serializers

from classifiers.models import Webhook, WebhookDelivery
from classifiers.services.webhooks import CHOOSABLE_EVENTS


class WebhookWriteSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=2000, help_text="The http(s) address NanoWeb POSTs each event to.")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=list(CHOOSABLE_EVENTS)), min_length=1,
        help_text="What to be told about: `training.finished`, `search.finished`, `unknown_share.high`.")
    unknown_share_threshold = serializers.FloatField(
        required=False, allow_null=True, min_value=0, max_value=1,
        help_text="For `unknown_share.high`: call once each time the share of 'none of these' answers in the "
                  "last hour goes above this (0-1; default 0.3).")


class WebhookSerializer(serializers.ModelSerializer):
    class Meta:
        model = Webhook
        fields = ["id", "url", "events", "unknown_share_threshold", "created_at"]


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(help_text="Signs every call. Shown only in this response: store it now.")

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = ["id", "event", "status", "attempts", "created_at", "attempted_at", "response_status",
                  "response_ms", "response_excerpt", "error"]
        extra_kwargs = {
            "status": {"help_text": "pending (waiting for a try or a retry), delivered (2xx), failed (gave up)."},
            "response_excerpt": {"help_text": "The first characters of the last answer's body."},
            "error": {"help_text": "What went wrong at the last try, in words."},
        }
