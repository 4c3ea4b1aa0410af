"""Reads of classifiers and their classes: a classifier's state in words, its classes with photo counts,
the dashboard's rows, and the API's classifiers with their classes.

Kept apart from the views so the dashboard, the classifier page and the API say the same thing the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from classifiers.ml.training import MIN_PHOTOS_PER_CLASS
from classifiers.models import Classifier, Label, SearchJob, TrainingRun
from classifiers.selectors.training import run_state_text

MIN_CLASSES = 2


@dataclass(frozen=True)
class State:
    """What a classifier is doing, in words, and a short kind for styling: todo, ready, busy, done, bad."""

    text: str
    kind: str
    progress: float | None = None
    run_id: UUID | None = None  # the run under way, whose progress the line follows


def labels_with_counts(classifier: Classifier | None = None) -> QuerySet[Label]:
    """Classes with `photo_count` and `flagged_count`, oldest first; of one classifier, or of all (to
    prefetch, or to narrow down further)."""
    labels = Label.objects.all() if classifier is None else classifier.labels.all()
    # Explicit order: Django drops Meta.ordering from queries with GROUP BY.
    return (
        labels.annotate(photo_count=Count("photos"), flagged_count=Count("photos", filter=~Q(photos__flags={})))
        .order_by("created_at", "name")
    )


def classifier_labels(classifier_id: UUID) -> QuerySet[Label]:
    """A classifier's classes, oldest first. Lazy, and cached by the queryset once read: an API list of
    runs reads them once for all its suggestions, and not at all when no run succeeded."""
    return Label.objects.filter(classifier_id=classifier_id).order_by("created_at", "name")


def classifier_state(classifier: Classifier, *, labels: list[Label] | None = None,
                     latest_run: TrainingRun | None = None, searching: bool | None = None) -> State:
    """The one-line state a person reads on the dashboard: needs photos, training 40%, ready — 94% accuracy."""
    if labels is None:
        labels = list(labels_with_counts(classifier))
    if latest_run is None:
        latest_run = classifier.runs.order_by("-created_at").first()
    if searching is None:
        searching = SearchJob.objects.filter(label__classifier=classifier,
                                             status__in=SearchJob.ACTIVE_STATUSES).exists()
    if latest_run is not None and latest_run.status in TrainingRun.ACTIVE_STATUSES:
        return State(run_state_text(latest_run), "busy", latest_run.progress or 0.0, run_id=latest_run.id)
    if searching:
        return State("finding photos on the web", "busy")
    version = classifier.active_version
    if version is not None:
        accuracy = (version.metrics or {}).get("accuracy")
        if accuracy is None:
            return State(f"ready — version {version.number}", "done")
        return State(f"ready — {accuracy:.0%} accuracy", "done")
    if latest_run is not None and latest_run.status == TrainingRun.Status.FAILED:
        return State("training failed — open it to see why", "bad")
    if len(labels) < MIN_CLASSES:
        return State(f"needs at least {MIN_CLASSES} classes", "todo")
    short = [label for label in labels if label.photo_count < MIN_PHOTOS_PER_CLASS]
    if short:
        return State(f"needs photos: each class needs at least {MIN_PHOTOS_PER_CLASS} "
                     f"({len(short)} of {len(labels)} {'has' if len(short) == 1 else 'have'} fewer)", "todo")
    return State("ready to train", "ready")


def labels_trainable(labels: list[Label]) -> bool:
    """Whether the classes (read through labels_with_counts) meet the one rule the training service checks,
    so the pages offer Train only then."""
    return len(labels) >= MIN_CLASSES and all(label.photo_count >= MIN_PHOTOS_PER_CLASS for label in labels)


def dashboard_rows(owner) -> list[tuple[Classifier, State, int]]:
    """Every classifier of `owner`, newest first, with its state and photo count, in a handful of queries."""
    classifiers = list(
        Classifier.objects.filter(owner=owner).select_related("active_version")
        .prefetch_related(Prefetch("labels", queryset=labels_with_counts()))
        .order_by("-created_at")
    )
    ids = [c.id for c in classifiers]
    latest: dict = {}
    for run in TrainingRun.objects.filter(classifier_id__in=ids).order_by("classifier_id", "-created_at"):
        latest.setdefault(run.classifier_id, run)
    searching = set(SearchJob.objects.filter(label__classifier_id__in=ids, status__in=SearchJob.ACTIVE_STATUSES)
                    .values_list("label__classifier_id", flat=True))
    rows = []
    for classifier in classifiers:
        labels = list(classifier.labels.all())
        state = classifier_state(classifier, labels=labels, latest_run=latest.get(classifier.id),
                                 searching=classifier.id in searching)
        rows.append((classifier, state, sum(label.photo_count for label in labels)))
    return rows


def classifiers_with_labels(owner) -> QuerySet[Classifier]:
    """`owner`'s classifiers, newest first, each with `training` (a run queued or running), its active
    version and its classes with their counts, in a fixed number of queries."""
    active_runs = TrainingRun.objects.filter(classifier=OuterRef("pk"), status__in=TrainingRun.ACTIVE_STATUSES)
    return (
        Classifier.objects.filter(owner=owner)
        .select_related("active_version")
        .annotate(training=Exists(active_runs))
        .prefetch_related(Prefetch("labels", queryset=labels_with_counts()))
        .order_by("-created_at")
    )
