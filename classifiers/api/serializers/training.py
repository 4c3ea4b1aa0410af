"""Training runs and model versions, with where more photos would help."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from classifiers.models import ModelVersion, TrainingRun
from classifiers.selectors.training import photos_wanted


class SuggestionSerializer(serializers.Serializer):
    label = serializers.UUIDField(help_text="The class that would gain from more photos.")
    name = serializers.CharField()
    reason = serializers.CharField(help_text="Why, in words, from the confusion matrix and the learning curve.")
    find_more = serializers.CharField(
        help_text="POST here ({'count': n}) to find n more photos of it, held for review until kept."
    )


# The view passes the classifier's classes as context["labels"] (selectors.catalog.classifier_labels), read
# once for a whole list, to match the suggestions against. (No docstring: it would become the schema
# component's description.)
class TrainingRunSerializer(serializers.ModelSerializer):
    version = serializers.SerializerMethodField(help_text="The version this run produced, once it succeeded.")
    metrics = serializers.DictField(
        read_only=True,
        help_text=(
            "accuracy, per_label, confusion, learning_curve, misclassified, head, evaluation, and excluded: how "
            "many photos were left out and why ({count, reasons, rule} for open licences only, awaiting_review "
            "for photos waiting for review, unreadable)."
        ),
    )
    suggestions = serializers.SerializerMethodField(
        help_text="Where more photos would help most: the most confused pair, classes still improving."
    )

    class Meta:
        model = TrainingRun
        fields = [
            "id",
            "status",
            "progress",
            "stage",
            "metrics",
            "suggestions",
            "error",
            "version",
            "created_at",
            "started_at",
            "finished_at",
        ]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_version(self, run: TrainingRun) -> int | None:
        return run.version.number if run.version else None

    @extend_schema_field(SuggestionSerializer(many=True))
    def get_suggestions(self, run: TrainingRun) -> list[dict]:
        if run.status != TrainingRun.Status.SUCCEEDED:
            return []
        request = self.context.get("request")
        out = []
        for suggestion, label in photos_wanted(run.metrics, self.context["labels"]):
            path = reverse("api-find-more", kwargs={"classifier_id": run.classifier_id, "label_id": label.id})
            out.append({"label": label.id, "name": label.name, "reason": suggestion.reason,
                        "find_more": request.build_absolute_uri(path) if request else path})
        return out


class ModelVersionSerializer(serializers.ModelSerializer):
    active = serializers.SerializerMethodField()
    labels = serializers.ListField(
        child=serializers.DictField(), read_only=True, help_text="The classes in the order of the model's outputs."
    )
    metrics = serializers.DictField(read_only=True)

    class Meta:
        model = ModelVersion
        fields = ["number", "active", "backbone", "precision", "labels", "metrics", "created_at"]

    def get_active(self, version: ModelVersion) -> bool:
        # The view passes the classifier's active version, so a list costs no query per row.
        return self.context["active_version_id"] == version.id
