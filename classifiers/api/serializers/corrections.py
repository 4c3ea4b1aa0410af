"""Corrections of logged answers and the "label these next" list: what a client sends and what it gets."""

from __future__ import annotations

from rest_framework import serializers

from classifiers.api.serializers.images import ImageSerializer
from classifiers.api.serializers.predictions import LoggedPredictionSerializer
from classifiers.ml.label_next import DISAGREEMENT, MARGIN, UNKNOWN


class FeedbackSerializer(serializers.Serializer):
    label_id = serializers.UUIDField(required=False, help_text="The class the photo really is.")
    none_of_these = serializers.BooleanField(required=False, default=False,
                                             help_text="true: the photo is none of the classes.")

    def validate(self, data: dict) -> dict:
        if bool(data.get("label_id")) == bool(data.get("none_of_these")):
            raise serializers.ValidationError(
                {"label_id": ["Send either label_id (the class it really is) or none_of_these: true."]})
        return data


class FeedbackResultSerializer(serializers.Serializer):
    prediction_id = serializers.UUIDField(source="correction.prediction_id")
    label_id = serializers.UUIDField(source="correction.label_id", allow_null=True,
                                     help_text="The class you said it is; null for none of these.")
    none_of_these = serializers.SerializerMethodField()
    image = ImageSerializer(source="photo", allow_null=True, help_text=(
        "The photo added to that class from the answer's kept photo, waiting for review (awaiting_review: not "
        "trained on until kept with POST .../review/); null for none of these, or when no photo was kept."))
    message = serializers.CharField(source="said", help_text="What happened, in words.")

    def get_none_of_these(self, corrected) -> bool:
        return corrected.correction.label_id is None


class ToLabelSerializer(serializers.Serializer):
    prediction = LoggedPredictionSerializer(help_text="The logged answer, as GET .../predictions/{id}/ gives it.")
    reasons = serializers.ListField(child=serializers.ChoiceField(choices=[MARGIN, UNKNOWN, DISAGREEMENT]),
                                    source="kinds", help_text=(
        "Why it is worth a label, most telling first: unknown (the version in use finds it like none of the "
        "classes), disagreement (the version before it gives another class), margin (always: how close its two "
        "most likely classes are)."))
    why = serializers.CharField(help_text="The first reason, in words.")
