"""Reads of training: a classifier's runs and versions, a run's progress in words, the photos its
evaluation got wrong, and the classes that would gain from more photos."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from classifiers.advice import Suggestion, more_photos_suggestions
from classifiers.models import Classifier, Label, ModelVersion, Photo, TrainingRun
from classifiers.selectors.workers import workers_availability

# The engine's stage names, said for someone who has not read how it works.
STAGE_WORDS = {
    "embedding": "Looking at each photo",
    "choosing a head by cross-validation": "Trying a few small models, each tested on photos it did not see",
    "measuring": "Measuring accuracy",
    "choosing a head again without the photos left out": "Leaving out photos that look wrong, and trying again",
    "training the final head": "Training the final model",
    "saving the model": "Saving the model",
}


def classifier_runs(classifier: Classifier) -> QuerySet[TrainingRun]:
    """Newest first, with the version each produced."""
    return classifier.runs.select_related("version").order_by("-created_at")


def classifier_latest_run(classifier: Classifier) -> TrainingRun | None:
    return classifier.runs.order_by("-created_at").first()


def classifier_versions(classifier: Classifier) -> QuerySet[ModelVersion]:
    """Newest first."""
    return classifier.versions.order_by("-number")


def photos_wanted(metrics: dict | None, labels: Iterable[Label]) -> list[tuple[Suggestion, Label]]:
    """Where more photos would help most, each with its class; classes renamed or deleted since are left out."""
    by_name = {label.name: label for label in labels}
    return [(s, by_name[s.label]) for s in more_photos_suggestions(metrics) if s.label in by_name]


def misclassified_photos(classifier: Classifier, metrics: dict) -> list[dict]:
    """The photos the evaluation got wrong that still exist, with what they were taken for."""
    items = metrics.get("misclassified") or []
    ids = [item.get("example_id") for item in items if item.get("example_id")]
    existing = {str(e.id): e for e in Photo.objects.filter(id__in=ids, label__classifier=classifier)}
    return [{**item, "photo": existing[str(item["example_id"])]} for item in items
            if str(item.get("example_id")) in existing]


def left_out_photos(classifier: Classifier, metrics: dict) -> dict | None:
    """What training's cleaning left out (flagged photos, never one a person kept), for the results page: how
    many (all of them, even those deleted since) and how many of those look like another class rather than like
    none of them."""
    items = metrics.get("left_out") or []
    if not items:
        return None
    return {"count": len(items), "like_another": sum(1 for item in items if item.get("looks_like")),
            "still_there": Photo.objects.filter(id__in=[item["example_id"] for item in items],
                                                label__classifier=classifier).count()}


def stage_in_words(stage: str) -> str:
    """"embedding 3/24" → "Looking at each photo (3/24)"; unknown stages as they are."""
    name, _, rest = (stage or "").partition(" ")
    if name in STAGE_WORDS and rest[:1].isdigit():
        return f"{STAGE_WORDS[name]} ({rest})"
    return STAGE_WORDS.get(stage, (stage or "Training").capitalize())


def run_state_text(run: TrainingRun) -> str:
    """What the line under the classifier's title says while a run is queued or running, the same on the
    first render and in every poll: "waiting to start training", "training: Measuring accuracy — 60%"."""
    if run.status == TrainingRun.Status.QUEUED:
        return "waiting to start training"
    percent = round((run.progress or 0) * 100)
    return f"training: {stage_in_words(run.stage)} — {percent}%" if run.stage else f"training — {percent}%"


def training_run_summary(run: TrainingRun) -> dict:
    """A training run's progress in words, for the first render and every poll. While it waits and no
    worker takes tasks, it says that training is paused (`paused`, with what to do in `paused_details`)."""
    Status = TrainingRun.Status
    active = run.status in TrainingRun.ACTIVE_STATUSES
    percent = round((run.progress or 0) * 100)
    waiting = run.status == Status.QUEUED or (
        run.status == Status.RUNNING and run.heartbeat_at is not None
        and run.heartbeat_at < timezone.now() - timedelta(seconds=settings.TRAINING_STALE_SECONDS))
    availability = workers_availability() if waiting else None
    if availability is not None and availability.paused:
        text = f"Training is paused: {availability.reason}"
    elif run.status == Status.QUEUED and run.attempts:
        text = f"{stage_in_words(run.stage or 'The worker stopped; resuming…')} — {percent}%"
    elif run.status == Status.QUEUED:
        text = ("Waiting to start: NanoWeb is busy with other trainings or searches; this one starts when one "
                "of them ends." if availability and availability.status == "busy"
                else "Waiting to start training…")
    elif run.status == Status.RUNNING:
        text = f"{stage_in_words(run.stage)} — {percent}%"
    elif run.status == Status.SUCCEEDED:
        text = "Training finished."
    elif run.status == Status.CANCELLED:
        text = "Training cancelled."
    else:
        text = "Training failed."
    paused = bool(availability and availability.paused)
    state = (text if paused else run_state_text(run)) if active else ""
    return {"status": run.status, "active": active, "text": text, "progress": run.progress or 0.0,
            "error": run.error if run.status == Status.FAILED else "", "paused": paused,
            "paused_details": availability.details if paused else "", "state": state[:1].upper() + state[1:]}
