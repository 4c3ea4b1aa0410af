"""API keys: the body that makes one, a key as listed, and a new key with its secret."""

from __future__ import annotations

from rest_framework import serializers

from accounts.models import ApiKey


class KeyCreateSerializer(serializers.Serializer):
    username = serializers.CharField(required=False, max_length=150, help_text="Needed unless signed in.")
    password = serializers.CharField(
        required=False, max_length=4096, trim_whitespace=False, style={"input_type": "password"}
    )
    name = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        default="",
        help_text="A note to tell your keys apart, e.g. 'laptop script'.",
    )


class ApiKeySerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "created_at", "last_used_at"]


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.CharField(help_text="The secret. Shown only in this response: store it now.")

    class Meta(ApiKeySerializer.Meta):
        fields = ["id", "key", "name", "prefix", "created_at"]
