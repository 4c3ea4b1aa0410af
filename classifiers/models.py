"""Classifiers, their labels (classes), photos, web searches, training runs and trained model versions."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


def photo_upload_path(instance: Photo, filename: str) -> str:
    # One folder per classifier keeps a classifier's photos together for export and deletion.
    return f"examples/{instance.label.classifier_id}/{instance.id}.jpg"


class Classifier(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="classifiers")
    name = models.CharField(max_length=100)
    backbone = models.CharField(max_length=40, default="efficientnet-lite0")
    # float or int8 (classifiers/ml/quantize.py). New classifiers take settings.DEFAULT_BACKBONE and
    # DEFAULT_PRECISION (services/catalog.py); those made before int8 existed keep float.
    precision = models.CharField(max_length=8, default="float")
    # Train only on photos whose licence is known to be open (public domain, CC0, CC BY, CC BY-SA).
    open_licenses_only = models.BooleanField(default=False)
    active_version = models.ForeignKey(
        "ModelVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class Label(models.Model):
    """One class of a classifier ("blue and black dress")."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    classifier = models.ForeignKey(Classifier, on_delete=models.CASCADE, related_name="labels")
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "name"]
        constraints = [models.UniqueConstraint(fields=["classifier", "name"], name="unique_label_name_per_classifier")]

    def __str__(self) -> str:
        return self.name


def empty_counts() -> dict:
    return {"found": 0, "downloaded": 0, "duplicates": 0, "rejected": {}}


class Job(models.Model):
    """What a training run and a web search share (classifiers/services/jobs.py runs it): a row is queued,
    one worker claims it, keeps its heartbeat fresh while it works and ends it; a running row whose heartbeat
    went stale lost its worker and may be claimed again."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        CANCELLED = "cancelled"

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED, db_index=True)
    # Why it failed or stopped, in words for the person who started it.
    error = models.TextField(blank=True)
    # How many times a worker claimed it: a job that keeps killing its worker is given up.
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Refreshed while the worker makes progress; a running row whose heartbeat stops was orphaned.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # When its task was last put on the queue, and how many times it was sent again because no worker took
    # it (the queue lost the message: a worker killed while holding it, a broker restarted without its data).
    sent_at = models.DateTimeField(default=timezone.now)
    resends = models.PositiveSmallIntegerField(default=0)
    # Who claimed it: the worker (Worker.instance) and its pool process, so that a worker knows at once that
    # a process of its own died, and the others that a worker which stopped reporting held it.
    worker = models.CharField(max_length=64, blank=True)
    worker_pid = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]


class SearchJob(Job):
    """One web search for photos of one label."""

    label = models.ForeignKey(Label, on_delete=models.CASCADE, related_name="search_jobs")
    query = models.CharField(max_length=300)
    requested = models.PositiveIntegerField()
    providers = models.JSONField(default=list)
    # found, downloaded, duplicates, rejected: {reason: n}; per provider errors under "provider_errors".
    counts = models.JSONField(default=empty_counts)
    cancel_requested = models.BooleanField(default=False)
    # The photos it adds wait for review and are not trained on until kept ("find N more photos of X").
    hold_for_review = models.BooleanField(default=False)
    # A finished search a person put out of sight ("Dismiss"): its photos and yield stay, its words go.
    dismissed = models.BooleanField(default=False)

    class Meta(Job.Meta):
        # The table it had when searches lived in the scraper app: moved without copying a row.
        db_table = "scraper_searchjob"
        constraints = [
            # One search at a time per class: two would race to top up the same class.
            models.UniqueConstraint(
                fields=["label"], condition=Q(status__in=["queued", "running"]), name="one_active_search_per_label"
            )
        ]


class Photo(models.Model):
    """One training photo of a label, normalised to an RGB JPEG, with where it came from."""

    class Review(models.TextChoices):
        NONE = "", "not reviewed"
        KEPT = "kept", "kept"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    label = models.ForeignKey(Label, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to=photo_upload_path, max_length=300)
    sha256 = models.CharField(max_length=64, db_index=True)
    phash = models.CharField(max_length=16, blank=True, db_index=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    # Provenance: "upload" for a person's own file, else the search provider or "url" / "page".
    provider = models.CharField(max_length=30, default="upload")
    original_name = models.CharField(max_length=255, blank=True)
    source_url = models.URLField(max_length=2000, blank=True)
    page_url = models.URLField(max_length=2000, blank=True)
    title = models.CharField(max_length=500, blank=True)
    license = models.CharField(max_length=100, blank=True)
    license_url = models.URLField(max_length=2000, blank=True)
    author = models.CharField(max_length=300, blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True)
    search_job = models.ForeignKey(
        "SearchJob", on_delete=models.SET_NULL, null=True, blank=True, related_name="photos"
    )
    # {"outlier": "far from the other photos of this class", ...}; keys: duplicate, in_other_class,
    # outlier, misclassified.
    flags = models.JSONField(default=dict, blank=True)
    # Flags a person has dismissed ("keep"): the same flag is not raised again for this photo.
    dismissed_flags = models.JSONField(default=list, blank=True)
    # How strong each flag's doubt is, 0-1 ({"outlier": 0.7}); the review list shows the biggest first.
    flag_scores = models.JSONField(default=dict, blank=True)
    # The class a photo flagged `misclassified` looks like: the review page offers "Move to <it>" in one click.
    looks_like = models.ForeignKey("Label", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Found by a "find more photos" search: held back from training until a person keeps it.
    awaiting_review = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # Photos were called examples in code once; the table kept that name (no rows were copied).
        db_table = "classifiers_example"
        ordering = ["created_at"]
        indexes = [models.Index(fields=["label", "created_at"])]


class PhotoFeature(models.Model):
    """Frozen-backbone features of one photo, computed once per backbone and precision and reused by every run.

    `vectors` holds float32 rows, one per view (the photo, its mirror, crops), `views` x `dim`. `backbone` is
    the feature cache's key (feature_cache.feature_key): the backbone's name for float features, as before
    int8 existed, so those rows stay valid, and "<name>/int8" for the int8 twin's.
    """

    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="features", db_column="example_id")
    backbone = models.CharField(max_length=40)
    views = models.PositiveSmallIntegerField()
    dim = models.PositiveIntegerField()
    vectors = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "classifiers_examplefeature"
        constraints = [models.UniqueConstraint(fields=["photo", "backbone"], name="one_feature_per_backbone")]


class PhotoRemoval(models.Model):
    """Photos a person removed, kept for a few minutes so "Undo" can put them back: the rows as they were
    (photos and their features, serialised) and their files, which are deleted only when this is purged."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    classifier = models.ForeignKey(Classifier, on_delete=models.CASCADE, related_name="removals")
    count = models.PositiveIntegerField()
    rows = models.TextField()  # JSON: the Photo and PhotoFeature rows (django.core.serializers), exact times
    files = models.JSONField(default=list)  # storage names of the photos' files
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    restored_at = models.DateTimeField(null=True, blank=True)


class TrainingRun(Job):
    """One training of a classifier: embed its photos, choose and fit a head, write a version."""

    classifier = models.ForeignKey(Classifier, on_delete=models.CASCADE, related_name="runs")
    progress = models.FloatField(default=0.0)
    stage = models.CharField(max_length=200, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    version = models.ForeignKey("ModelVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta(Job.Meta):
        constraints = [
            # Two trainings of one classifier at once are refused by the database itself.
            models.UniqueConstraint(
                fields=["classifier"],
                condition=Q(status__in=["queued", "running"]),
                name="one_active_run_per_classifier",
            )
        ]


class ModelVersion(models.Model):
    """A trained head, written atomically; the classifier's active version points at one of these."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    classifier = models.ForeignKey(Classifier, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    # Path of the artifact folder relative to settings.ARTIFACTS_DIR.
    artifact = models.CharField(max_length=300)
    backbone = models.CharField(max_length=40)
    # The precision its features were computed with, so it answers with the same one whatever the default is.
    precision = models.CharField(max_length=8, default="float")
    # Label order of the head's outputs: [{"id": "...", "name": "..."}].
    labels = models.JSONField(default=list)
    metrics = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["classifier", "number"], name="unique_version_number")]


class Worker(models.Model):
    """A Celery worker as it last reported itself (classifiers/services/workers.py). Its main process writes
    this row every RECOVERY_SECONDS and sends itself a ping through the queue that only its pool processes
    can answer: a worker whose main process still runs but whose pool stopped taking tasks (its processes
    killed) is told from one that is just busy. Pages, /health/, `checkworker` and `make run` read it."""

    # Celery's node name (celery@host), one row per name: a worker restarted under its name takes it over.
    node = models.CharField(max_length=255, unique=True)
    # Changes at every start of the worker: the jobs it claimed carry it (Job.worker).
    instance = models.CharField(max_length=64, db_index=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    concurrency = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    # The main process's last report.
    seen_at = models.DateTimeField()
    # Tasks its pool processes were running at that report, and since when one of them has been free.
    active = models.PositiveSmallIntegerField(default=0)
    idle_since = models.DateTimeField(null=True, blank=True)
    # The ping it sent itself that no pool process has answered yet, and when one last answered.
    ping_sent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.node
