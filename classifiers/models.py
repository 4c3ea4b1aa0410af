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
    # The prediction log (Prediction): whether a small copy of each photo asked about is kept with its answer,
    # and how many days answers are kept (None: settings.PREDICTION_RETENTION_DAYS, the site's default).
    keep_prediction_photos = models.BooleanField(default=True)
    prediction_retention_days = models.PositiveSmallIntegerField(null=True, blank=True)
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
    # The engine this run reads photos with; blank: the classifier's own (every ordinary run). A retraining
    # with the new engine (services/engine_update.py) names today's default here, so the classifier keeps its
    # engine until its person chooses the new version.
    backbone = models.CharField(max_length=40, blank=True)
    precision = models.CharField(max_length=8, blank=True)
    # Set on a retraining with the new engine: the version it is measured against (on the same folds) and
    # that keeps answering until its person chooses the new one.
    compared_with = models.ForeignKey(
        "ModelVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

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


def prediction_photo_path(instance: Prediction, filename: str) -> str:
    # One folder per classifier, beside its training photos' folder, so deleting a classifier removes them.
    return f"predictions/{instance.classifier_id}/{instance.id}.jpg"


class Prediction(models.Model):
    """One answer a classifier gave (the prediction log, classifiers/services/predictions_log.py): who asked,
    what it said, how sure it was, how long it took, and a small copy of the photo unless its owner turned
    keeping photos off. Kept for the classifier's retention days, then removed in batches by the workers."""

    class Source(models.TextChoices):
        API = "api", "API"
        PAGE = "page", "Try it page"
        SHARE = "share", "share link"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    classifier = models.ForeignKey(Classifier, on_delete=models.CASCADE, related_name="predictions")
    # The version that answered (any version may answer, not only the active one).
    version = models.ForeignKey(ModelVersion, on_delete=models.SET_NULL, null=True, related_name="predictions")
    created_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=8, choices=Source.choices)
    # The key the API was called with (null for the pages, the share link, and API calls made signed in).
    api_key = models.ForeignKey("accounts.ApiKey", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The file name or the link the photo was sent as.
    name = models.CharField(max_length=255, blank=True)
    # The class answered; null when the answer is "none of these" (or the class was deleted since).
    label = models.ForeignKey(Label, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The name of the most likely class at answer time, kept even for "none of these" (the closest class).
    label_name = models.CharField(max_length=100)
    confidence = models.FloatField()
    unknown = models.BooleanField(default=False)  # the answer was "none of these"
    unknown_score = models.FloatField()
    # The most likely class's probability minus the second's: small means the model hesitated.
    margin = models.FloatField()
    # Time from the photo's bytes to the answer, for the request it came in (a batch's answers share it).
    latency_ms = models.FloatField()
    photo = models.FileField(upload_to=prediction_photo_path, max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["classifier", "-created_at", "-id"], name="prediction_newest_first"),
            models.Index(fields=["created_at"], name="prediction_by_age"),  # the clean-up's oldest first
        ]


class PredictionTally(models.Model):
    """Answers counted per classifier, version, day and measure, kept up to date as answers are logged, so the
    watch page reads a few hundred rows instead of every answer. Measures (classifiers/prediction_buckets.py):
    "answers" and "unknown" (bucket 0), "confidence" and "latency" (one row per histogram bucket)."""

    classifier = models.ForeignKey(Classifier, on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    measure = models.CharField(max_length=12)
    bucket = models.PositiveSmallIntegerField(default=0)
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["classifier", "version", "day", "measure", "bucket"], name="one_tally_per_bucket"
            )
        ]
        indexes = [models.Index(fields=["classifier", "day"], name="tally_by_classifier_day")]


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


# --- corrections and "label these next" (issue 18, parts 3 and 4) ----------------------------------------


class Correction(models.Model):
    """A person's "this answer is wrong: it is X" (or "it is none of these") on one logged answer
    (classifiers/services/corrections.py). When the answer's photo was kept, a copy of it becomes a photo of
    X waiting for review (`photo`): never trained on before the person keeps it. The next version's results
    say how it does on the corrected photos (metrics["corrections"], services/correction_scores.py)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    prediction = models.OneToOneField(Prediction, on_delete=models.CASCADE, related_name="correction")
    # The class it really is; null when it is none of the classes.
    label = models.ForeignKey(Label, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    # The photo the correction added to `label` (null: "none of these", no photo kept, or since removed).
    photo = models.ForeignKey(Photo, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # When the person last said what it is: the next training counts the corrections made since the last one.
    created_at = models.DateTimeField(default=timezone.now, db_index=True)


class PredictionFeature(models.Model):
    """Backbone features of a logged answer's kept photo, computed once per backbone and precision (the key
    of feature_cache.feature_key) for the "label these next" queue, which ranks answers by them."""

    prediction = models.ForeignKey(Prediction, on_delete=models.CASCADE, related_name="features")
    backbone = models.CharField(max_length=40)
    views = models.PositiveSmallIntegerField()
    dim = models.PositiveIntegerField()
    vectors = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prediction", "backbone"], name="one_prediction_feature_per_backbone")
        ]


# --- Issue 18, parts 6 and 7: share links and webhooks ------------------------------------------------------


class ShareLink(models.Model):
    """A public, revocable address of one classifier's try-it page for people without an account
    (classifiers/views/share.py). Only answers and class names are shown there. The token is the secret:
    anyone who has the link may ask; revoking ends that at once (every request reads this row)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Deleting the classifier deletes its links, so their address is a 404 like any unknown one.
    classifier = models.ForeignKey(Classifier, on_delete=models.CASCADE, related_name="share_links")
    token = models.CharField(max_length=64, unique=True)
    # A note to tell the links apart ("shop window tablet"); never shown to the visitor.
    name = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class Webhook(models.Model):
    """An address of the owner's that NanoWeb calls when something happens to a classifier
    (classifiers/services/webhooks.py): a training ends, a search ends, or the share of "none of these"
    answers in the last hour goes above `unknown_share_threshold`."""

    class Event(models.TextChoices):
        TRAINING_FINISHED = "training.finished", "a training ends"
        SEARCH_FINISHED = "search.finished", "a web search ends"
        UNKNOWN_SHARE_HIGH = "unknown_share.high", "many answers are “none of these”"
        PING = "ping", "a test call"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    classifier = models.ForeignKey(Classifier, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=2000)
    # Signs every body (HMAC-SHA256). Kept as it is because each call must be signed with it; shown to the
    # owner only when the webhook is made.
    secret = models.CharField(max_length=80)
    events = models.JSONField(default=list)  # Event values, PING excepted (a test call is always allowed)
    # 0-1: alert when more than this share of the last hour's answers were "none of these"; null: never.
    unknown_share_threshold = models.FloatField(null=True, blank=True)
    # Set when an alert was sent and cleared when the share falls back under the threshold, so one crossing
    # sends one alert, not one per answer.
    unknown_alert_raised = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]


class WebhookDelivery(models.Model):
    """One event sent to one webhook, with its attempts and the last answer its server gave."""

    class Status(models.TextChoices):
        PENDING = "pending"  # waiting for its first try or a retry
        DELIVERED = "delivered"
        FAILED = "failed"  # every try failed; `error` says why

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    # What the event is about (a run's or search's id), so a job announced twice is delivered once.
    subject = models.CharField(max_length=64)
    body = models.TextField()  # the exact JSON sent, signed anew (with a fresh timestamp) at every try
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    attempted_at = models.DateTimeField(null=True, blank=True)
    # When its next try is due: a pending delivery long past it lost its task's message (a worker killed
    # while holding a retry), and the workers' recovery loop sends it again (services/webhooks.py).
    next_attempt_at = models.DateTimeField(default=timezone.now)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_ms = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["webhook", "event", "subject"], name="one_delivery_per_event"),
        ]
        indexes = [models.Index(fields=["webhook", "-created_at"]),
                   models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]
