"""What the API reads and writes. Input serializers check shape and types only; the services decide what
is allowed (names, limits, states) and raise ServiceErrors that say why."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from classifiers.models import Classifier, Example, Label, ModelVersion, TrainingRun
from nanoweb.models import ApiKey
from scraper.models import SearchJob

MAX_URLS_PER_REQUEST = 100


# --- API keys -----------------------------------------------------------------------------------------


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


# --- Classifiers and labels ---------------------------------------------------------------------------


class LabelSerializer(serializers.ModelSerializer):
    image_count = serializers.IntegerField(read_only=True)

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


class ClassifierSerializer(serializers.ModelSerializer):
    labels = LabelSerializer(many=True, read_only=True)
    status = serializers.SerializerMethodField(
        help_text="untrained: no version yet; training: a run is queued or running; trained: a version answers."
    )
    active_version = serializers.SerializerMethodField(help_text="Number of the version that answers predictions.")

    class Meta:
        model = Classifier
        fields = ["id", "name", "labels", "status", "active_version", "open_licenses_only", "created_at", "updated_at"]

    @extend_schema_field(serializers.ChoiceField(choices=["untrained", "training", "trained"]))
    def get_status(self, classifier: Classifier) -> str:
        if classifier.training:
            return "training"
        return "trained" if classifier.active_version_id else "untrained"

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_active_version(self, classifier: Classifier) -> int | None:
        return classifier.active_version.number if classifier.active_version else None


def labels_with_counts() -> QuerySet[Label]:
    # Explicit order: Django drops Meta.ordering from queries with GROUP BY.
    return Label.objects.annotate(image_count=Count("examples")).order_by("created_at", "name")


def classifiers_for_api(user) -> QuerySet[Classifier]:
    """The user's classifiers with what ClassifierSerializer needs, in a fixed number of queries."""
    active_runs = TrainingRun.objects.filter(classifier=OuterRef("pk"), status__in=TrainingRun.ACTIVE_STATUSES)
    return (
        Classifier.objects.filter(owner=user)
        .select_related("active_version")
        .annotate(training=Exists(active_runs))
        .prefetch_related(Prefetch("labels", queryset=labels_with_counts()))
        .order_by("-created_at")
    )


# --- Images -------------------------------------------------------------------------------------------


class ImageSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="Where the image itself is served (JPEG), with your key.")
    label = serializers.UUIDField(source="label_id", read_only=True)
    flags = serializers.DictField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Why this photo may be a poor example: duplicate, in_other_class, outlier, misclassified.",
    )

    class Meta:
        model = Example
        fields = [
            "id",
            "label",
            "url",
            "source_url",
            "page_url",
            "provider",
            "title",
            "license",
            "license_url",
            "author",
            "original_name",
            "width",
            "height",
            "flags",
            "created_at",
        ]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, example: Example) -> str:
        path = reverse("api-image-file", kwargs={"image_id": example.id})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class ImageImportSerializer(serializers.Serializer):
    urls = serializers.ListField(
        child=serializers.CharField(max_length=2000),
        required=False,
        min_length=1,
        max_length=MAX_URLS_PER_REQUEST,
        help_text="http(s) addresses of images.",
    )
    page_url = serializers.CharField(
        required=False, max_length=2000, help_text="The address of a web page: every picture on it is imported."
    )

    def validate(self, data: dict) -> dict:
        if not data.get("urls") and not data.get("page_url"):
            raise serializers.ValidationError(
                {"urls": ["Send image addresses as 'urls', a page's address as 'page_url', or files as 'files'."]}
            )
        return data


class ImageFilesSerializer(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(),
        min_length=1,
        help_text="One or more image files (JPEG, PNG, WebP, GIF, ...) or zip archives of them.",
    )


class RejectedItemSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, help_text="The file name, for uploads.")
    url = serializers.CharField(required=False, help_text="The URL, for imports.")
    code = serializers.CharField(help_text="A stable word for the reason, e.g. not_an_image, duplicate, too_large.")
    reason = serializers.CharField(help_text="The reason in words.")


class ImportResultSerializer(serializers.Serializer):
    added = ImageSerializer(many=True)
    rejected = RejectedItemSerializer(many=True)


# --- Search jobs --------------------------------------------------------------------------------------


class SearchSerializer(serializers.Serializer):
    query = serializers.CharField(
        required=False, max_length=300, help_text="What to search for; the class name if left out."
    )
    count = serializers.IntegerField(
        required=False,
        default=20,
        min_value=1,
        max_value=settings.SEARCH_MAX_COUNT,
        help_text="How many photos to add at most.",
    )
    providers = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(settings.SEARCH_PROVIDER_NAMES)),
        required=False,
        min_length=1,
        help_text="Search engines to use; the server's configured ones if left out.",
    )


class SearchJobSerializer(serializers.ModelSerializer):
    label = serializers.UUIDField(source="label_id", read_only=True)
    counts = serializers.DictField(
        read_only=True,
        help_text="found, downloaded, duplicates, rejected ({reason: n}) and provider_errors, as they grow.",
    )

    class Meta:
        model = SearchJob
        fields = [
            "id",
            "label",
            "query",
            "requested",
            "providers",
            "status",
            "counts",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]


# --- Training, versions, prediction -------------------------------------------------------------------


class TrainingRunSerializer(serializers.ModelSerializer):
    version = serializers.SerializerMethodField(help_text="The version this run produced, once it succeeded.")
    metrics = serializers.DictField(
        read_only=True,
        help_text="accuracy, per_label, confusion, learning_curve, misclassified, head, evaluation, excluded.",
    )

    class Meta:
        model = TrainingRun
        fields = [
            "id",
            "status",
            "progress",
            "stage",
            "metrics",
            "error",
            "version",
            "created_at",
            "started_at",
            "finished_at",
        ]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_version(self, run: TrainingRun) -> int | None:
        return run.version.number if run.version else None


class ModelVersionSerializer(serializers.ModelSerializer):
    active = serializers.SerializerMethodField()
    labels = serializers.ListField(
        child=serializers.DictField(), read_only=True, help_text="The classes in the order of the model's outputs."
    )
    metrics = serializers.DictField(read_only=True)

    class Meta:
        model = ModelVersion
        fields = ["number", "active", "backbone", "labels", "metrics", "created_at"]

    def get_active(self, version: ModelVersion) -> bool:
        # The view passes the classifier's active version, so a list costs no query per row.
        return self.context["active_version_id"] == version.id


class PredictUrlsSerializer(serializers.Serializer):
    url = serializers.CharField(required=False, max_length=2000, help_text="One image URL.")
    urls = serializers.ListField(
        child=serializers.CharField(max_length=2000),
        required=False,
        min_length=1,
        help_text="Several image URLs; the answer is then a list.",
    )


class PredictFilesSerializer(serializers.Serializer):
    file = serializers.FileField(required=False, help_text="One image.")
    files = serializers.ListField(
        child=serializers.FileField(), required=False, help_text="Several images; the answer is then a list."
    )


class PredictionSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The file name or URL this answer is for.")
    label = serializers.CharField(help_text="The most likely class.")
    confidence = serializers.FloatField(help_text="Its probability, 0 to 1.")
    unknown = serializers.BooleanField(help_text="True when the image looks like none of the classes.")
    unknown_score = serializers.FloatField(
        required=False, allow_null=True, help_text="How unlike the training photos the image is."
    )
    probabilities = serializers.DictField(child=serializers.FloatField(), help_text="{class name: probability}.")
    version = serializers.IntegerField(help_text="The model version that answered.")
