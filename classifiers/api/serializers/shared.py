"""Serializers every endpoint shares: the one error shape of every failure."""

from __future__ import annotations

from rest_framework import serializers


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="A stable word for programs: invalid, not_found, conflict, ...")
    message = serializers.CharField(help_text="What went wrong and what to do, in words for people.")
    details = serializers.DictField(required=False, help_text="More about it, e.g. {'fields': {...}} on 400.")


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()
