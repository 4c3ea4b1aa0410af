"""The prediction log in the API: one logged answer, a page of them, and the figures of how a classifier has
been answering (shaped from selectors.predictions; nothing is computed here)."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from classifiers.models import Prediction


class LoggedPredictionSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="version.number", allow_null=True, read_only=True,
                                       help_text="The version that answered (null once it is deleted).")
    label = serializers.SerializerMethodField(help_text="The class answered; null when the answer was none of these.")
    label_id = serializers.UUIDField(allow_null=True, read_only=True,
                                     help_text="Its id (null for none of these, or once the class is deleted).")
    closest_label = serializers.CharField(source="label_name", read_only=True,
                                          help_text="The most likely class, also when the answer was none of these.")
    api_key_id = serializers.UUIDField(allow_null=True, read_only=True,
                                       help_text="The key the API was called with; null for the pages.")
    image_url = serializers.SerializerMethodField(
        help_text="The small copy of the image kept with the answer (JPEG, 256 px), or null when none was kept."
    )

    class Meta:
        model = Prediction
        fields = ["id", "created_at", "source", "api_key_id", "name", "version", "label", "label_id", "closest_label",
                  "confidence", "unknown", "unknown_score", "margin", "latency_ms", "image_url"]
        extra_kwargs = {
            "source": {"help_text": "api, page (the try-it page) or share (a share link)."},
            "name": {"help_text": "The file name or URL the image was sent as."},
            "margin": {"help_text": "The top class's probability minus the second's: small when it hesitated."},
            "latency_ms": {"help_text": "Milliseconds from the image's arrival to the answer, for its request."},
        }

    def get_label(self, row: Prediction) -> str | None:
        return None if row.unknown else row.label_name

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_image_url(self, row: Prediction) -> str | None:
        if not row.photo:
            return None
        path = reverse("api-prediction-image", kwargs={"classifier_id": row.classifier_id, "prediction_id": row.id})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class PredictionPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next (older) page, or null at the end.")
    results = LoggedPredictionSerializer(many=True, help_text="Answers, newest first.")


class LatencySerializer(serializers.Serializer):
    p50 = serializers.FloatField(allow_null=True, help_text="Half of the answers took at most this (ms).")
    p90 = serializers.FloatField(allow_null=True)
    p99 = serializers.FloatField(allow_null=True)


class ConfidenceBucketSerializer(serializers.Serializer):
    low = serializers.FloatField()
    high = serializers.FloatField()
    answers = serializers.IntegerField()


class DayCountsSerializer(serializers.Serializer):
    day = serializers.DateField()
    answers = serializers.IntegerField()
    unknown = serializers.IntegerField(help_text="Answers that were none of these.")
    unknown_share = serializers.FloatField(allow_null=True, help_text="unknown / answers; null without answers.")
    latency_ms = LatencySerializer(help_text="Percentiles, estimated from buckets about 25 % wide.")


class CountsSerializer(DayCountsSerializer):
    day = None  # over all the days asked for
    confidence = ConfidenceBucketSerializer(source="confidence_buckets", many=True,
                                            help_text="Answers by confidence, in ten buckets of 0.1.")


class VersionCountsSerializer(CountsSerializer):
    version = serializers.IntegerField()


class PredictionStatsSerializer(serializers.Serializer):
    since = serializers.DateField(help_text="The first day counted (UTC).")
    until = serializers.DateField(help_text="The last day counted, today.")
    version = serializers.IntegerField(allow_null=True, help_text="The version asked for; null for all.")
    retention_days = serializers.IntegerField(help_text="Days this classifier's answers are kept.")
    total = CountsSerializer()
    per_day = DayCountsSerializer(many=True, help_text="Every day from since to until, oldest first.")
    per_version = VersionCountsSerializer(many=True, help_text="Each version that answered, newest first.")
