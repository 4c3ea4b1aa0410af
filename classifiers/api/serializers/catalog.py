"""Classifiers and their labels (classes): what a client sends to make and change them, and what it reads."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from classifiers.models import Classifier, Label


class LabelSerializer(serializers.ModelSerializer):
    # Counted by selectors.catalog.labels_with_counts; answered under the name the API has always used.
    image_count = serializers.IntegerField(source="photo_count", read_only=True)

    class Meta:
        model = Label
        fields = ["id", "name", "image_count"]


class LabelWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, help_text="The class name, unique within the classifier.")


class ClassifierCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    labels = serializers.ListField(
        child=serializers.CharField(max_length=100),
        required=False,
        default=list,
        max_length=50,
        help_text="Class names, e.g. ['cat', 'dog']. At least two are needed to train.",
    )
    open_licenses_only = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Train only on photos whose licence is known to be open (public domain, CC0, CC BY, CC BY-SA).",
    )


class ClassifierUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    open_licenses_only = serializers.BooleanField(required=False)
    keep_prediction_photos = serializers.BooleanField(
        required=False, help_text="Keep a small copy of each image asked about with its answer in the prediction "
        "log; false also deletes the copies kept so far."
    )
    prediction_retention_days = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=3650,
        help_text="Days the prediction log keeps answers; null for the server's default.",
    )


# For classifiers read through selectors.catalog.classifiers_with_labels (`training` annotated). No
# docstring: drf-spectacular would publish it as the component's description.
class ClassifierSerializer(serializers.ModelSerializer):
    labels = LabelSerializer(many=True, read_only=True)
    status = serializers.SerializerMethodField(
        help_text="untrained: no version yet; training: a run is queued or running; trained: a version answers."
    )
    active_version = serializers.SerializerMethodField(help_text="Number of the version that answers predictions.")

    class Meta:
        model = Classifier
        fields = ["id", "name", "labels", "status", "active_version", "open_licenses_only", "keep_prediction_photos",
                  "prediction_retention_days", "created_at", "updated_at"]
        extra_kwargs = {"prediction_retention_days": {
            "help_text": "Days the prediction log keeps answers; null: the server's default."}}

    @extend_schema_field(serializers.ChoiceField(choices=["untrained", "training", "trained"]))
    def get_status(self, classifier: Classifier) -> str:
        if classifier.training:
            return "training"
        return "trained" if classifier.active_version_id else "untrained"

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_active_version(self, classifier: Classifier) -> int | None:
        return classifier.active_version.number if classifier.active_version else None
