"""What the API reads and writes. Input serializers check shape and types only; the services decide what
is allowed (names, limits, states) and raise ServiceErrors that say why."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import ApiKey
from classifiers.advice import more_photos_suggestions
from classifiers.models import Classifier, Example, Label, ModelVersion, SearchJob, TrainingRun
from classifiers.selectors.search_yields import search_job_yield
from classifiers.services.flags import doubt
from classifiers.services.review import REVIEW_ACTIONS

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
        help_text=(
            "Why this photo may be a poor example, {kind: reason}: duplicate (nearly the same picture as an "
            "earlier photo of the class), in_other_class (the same picture is in another class), outlier (looks "
            "unlike the other photos of its class), misclassified (taken for another class by a model that did "
            "not see it)."
        ),
    )
    doubt = serializers.SerializerMethodField(
        help_text="How strongly its flags doubt the photo, 0 (no flag) to 1; review lists sort by it."
    )
    awaiting_review = serializers.BooleanField(
        read_only=True,
        help_text="Found by a 'find more' search and not trained on until kept (POST .../review/ keep).",
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
            "doubt",
            "awaiting_review",
            "created_at",
        ]

    def get_doubt(self, example: Example) -> float:
        return doubt(example)

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


# --- Review -------------------------------------------------------------------------------------------

MAX_REVIEW_IMAGES = 500


class ReviewImageSerializer(ImageSerializer):
    label_name = serializers.CharField(source="label.name", read_only=True, help_text="The photo's class.")

    class Meta(ImageSerializer.Meta):
        fields = [*ImageSerializer.Meta.fields, "label_name"]


class ReviewDecisionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=REVIEW_ACTIONS,
        help_text=(
            "keep: the photo stays, its flags are dismissed for good (not raised again for the same reasons) and "
            "a photo waiting for review is trained on from now on; drop: the photo is deleted; move: the photo "
            "goes to `label_id`, a class of the same classifier."
        ),
    )
    image_ids = serializers.ListField(
        child=serializers.UUIDField(), min_length=1, max_length=MAX_REVIEW_IMAGES,
        help_text="The photos to apply it to, from any classes of this classifier.",
    )
    label_id = serializers.UUIDField(required=False, help_text="For move: the class to move the photos to.")

    def validate(self, data: dict) -> dict:
        if data["action"] == "move" and not data.get("label_id"):
            raise serializers.ValidationError({"label_id": ["Say which class to move the photos to."]})
        return data


class SkippedImageSerializer(serializers.Serializer):
    image_id = serializers.UUIDField()
    reason = serializers.CharField()


class ReviewResultSerializer(serializers.Serializer):
    action = serializers.CharField()
    applied = serializers.IntegerField(help_text="How many photos the decision was applied to.")
    skipped = SkippedImageSerializer(many=True, help_text="Photos it could not be applied to, and why.")
    images = ReviewImageSerializer(many=True, help_text="The photos as they are now (none after drop).")


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


class FindMoreSerializer(SearchSerializer):
    count = serializers.IntegerField(
        required=False, default=20, min_value=1, max_value=settings.SEARCH_MAX_COUNT,
        help_text="How many photos to add to what the class has now.",
    )


class RejectedCountsField(serializers.DictField):
    child = serializers.IntegerField()


class SearchYieldSerializer(serializers.Serializer):
    asked = serializers.IntegerField(help_text="New photos the search was to add.")
    found = serializers.IntegerField(help_text="Pictures the search engines listed (new to this class).")
    downloaded = serializers.IntegerField(help_text="Saved into the class.")
    duplicates = serializers.IntegerField(help_text="Refused as the same picture as one already in the class.")
    rejected = RejectedCountsField(help_text="Refused, by reason: {reason: n}.")
    usable = serializers.IntegerField(help_text="Saved photos still in the class, neither flagged nor waiting.")
    flagged = serializers.IntegerField(help_text="Saved photos with a flag to look at.")
    waiting = serializers.IntegerField(help_text="Saved photos waiting for review (a 'find more' search).")
    moved = serializers.IntegerField(help_text="Saved photos since moved to another class.")
    dropped = serializers.IntegerField(help_text="Saved photos since deleted.")
    summary = serializers.CharField(help_text="In words: 'asked 50 → found 80 → saved 40 (...) → 37 usable'.")


class LabelYieldSerializer(SearchYieldSerializer):
    label = serializers.UUIDField(help_text="The class.")
    name = serializers.CharField(help_text="The class's name.")
    searches = serializers.IntegerField(help_text="Web searches of this class so far.")


class SearchJobSerializer(serializers.ModelSerializer):
    label = serializers.UUIDField(source="label_id", read_only=True)
    counts = serializers.DictField(
        read_only=True,
        help_text="found, downloaded, duplicates, rejected ({reason: n}) and provider_errors, as they grow.",
    )
    hold_for_review = serializers.BooleanField(
        read_only=True, help_text="Its photos wait for review and are not trained on until kept."
    )
    yield_ = serializers.SerializerMethodField(
        method_name="get_yield",
        help_text="From asked to usable: found, saved, duplicates, refused by reason, usable, flagged, waiting.",
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
            "yield_",
            "hold_for_review",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]

    def get_fields(self) -> dict:
        fields = super().get_fields()
        # `yield` is a Python keyword, so the field is declared as yield_ and answered as yield.
        return {("yield" if name == "yield_" else name): field for name, field in fields.items()}

    @extend_schema_field(SearchYieldSerializer)
    def get_yield(self, job: SearchJob) -> dict:
        return search_job_yield(job)


# --- Training, versions, prediction -------------------------------------------------------------------


class SuggestionSerializer(serializers.Serializer):
    label = serializers.UUIDField(help_text="The class that would gain from more photos.")
    name = serializers.CharField()
    reason = serializers.CharField(help_text="Why, in words, from the confusion matrix and the learning curve.")
    find_more = serializers.CharField(
        help_text="POST here ({'count': n}) to find n more photos of it, held for review until kept."
    )


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
        labels = self.context.get("labels")
        if labels is None:
            labels = list(Label.objects.filter(classifier_id=run.classifier_id))
        by_name = {label.name: label for label in labels}
        request = self.context.get("request")
        out = []
        for suggestion in more_photos_suggestions(run.metrics):
            label = by_name.get(suggestion.label)
            if label is None:  # renamed or deleted since the run
                continue
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
