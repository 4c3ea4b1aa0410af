"""Share links: the body that makes one, and a link as listed (its public address included)."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from classifiers.models import ShareLink


class ShareLinkCreateSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=100, default="",
                                 help_text="A note to tell your links apart; never shown to visitors.")


class ShareLinkSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The public try-it page. Anyone with it may ask for answers.")

    class Meta:
        model = ShareLink
        fields = ["id", "name", "url", "created_at"]

    def get_url(self, link: ShareLink) -> str:
        return self.context["request"].build_absolute_uri(reverse("share_page", args=[link.token]))
