"""Reads for the pages: a classifier's state in words, its classes with photo counts, flagged photos.

Kept apart from the views so the dashboard and the classifier page say the same thing the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet

from classifiers.models import Classifier, Example, Label, SearchJob, TrainingRun

# Below this many photos in a class the page says "needs photos"; the training service has the final word
# (it refuses a run with a message that says what to add).
MIN_PHOTOS_PER_CLASS = 5
MIN_CLASSES = 2


@dataclass(frozen=True)
class State:
    """What a classifier is doing, in words, and a short kind for styling: todo, ready, busy, done, bad."""

    text: str
    kind: str
    progress: float | None = None


def labels_with_counts(classifier: Classifier) -> QuerySet[Label]:
    # Explicit order: Django drops Meta.ordering from queries with GROUP BY.
    return (
        classifier.labels.annotate(photo_count=Count("examples"),
                                   flagged_count=Count("examples", filter=~Q(examples__flags={})))
        .order_by("created_at", "name")
    )


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
    if latest_run is not None and latest_run.status == TrainingRun.Status.QUEUED:
        return State("waiting for a worker to start training", "busy", 0.0)
    if latest_run is not None and latest_run.status == TrainingRun.Status.RUNNING:
        return State(f"training {round(latest_run.progress * 100)}%", "busy", latest_run.progress)
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
        return State(f"needs photos ({len(short)} of {len(labels)} classes have fewer than "
                     f"{MIN_PHOTOS_PER_CLASS})", "todo")
    return State("ready to train", "ready")


def dashboard_rows(owner) -> list[tuple[Classifier, State, int]]:
    """Every classifier of `owner`, newest first, with its state and photo count, in a handful of queries."""
    classifiers = list(
        Classifier.objects.filter(owner=owner).select_related("active_version")
        .prefetch_related(Prefetch("labels", queryset=Label.objects.annotate(photo_count=Count("examples"))
                                   .order_by("created_at", "name")))
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


def flagged_examples(classifier: Classifier) -> list[Example]:
    """Photos to review, biggest doubts first: flagged ones, then those a "find more" search holds back."""
    from classifiers.services.flags import examples_to_review

    return examples_to_review(classifier=classifier)


def search_job_summary(job: SearchJob) -> dict:
    """A search's progress and yield in words, the same on the first render and in every poll:
    "asked 20 → found 34 → saved 17 (2 duplicates, 1 not an image) → 15 kept"."""
    counts = job.counts or {}
    had = counts.get("had")
    target = max(job.requested - had, 0) if had is not None else job.requested
    found, saved = int(counts.get("found", 0)), int(counts.get("downloaded", 0))
    refused = [(f"{n} duplicate{'s' if n != 1 else ''}", n) for n in [int(counts.get("duplicates", 0))] if n]
    refused += [(f"{n} {str(code).replace('_', ' ')}", n) for code, n in
                sorted((counts.get("rejected") or {}).items(), key=lambda kv: -kv[1]) if n]
    refused_text = f" ({', '.join(text for text, _ in refused)} refused)" if refused else ""
    active = job.status in SearchJob.ACTIVE_STATUSES
    if job.status == SearchJob.Status.QUEUED:
        text = f"Waiting for a worker to search for “{job.query}”…"
    elif active:
        text = f"Searching for “{job.query}”: found {found}, saved {saved} of {target}{refused_text}"
    else:
        kept = job.kept if hasattr(job, "kept") else job.examples.count()
        verb = {"cancelled": "Cancelled", "failed": "Stopped"}.get(job.status, "Done")
        text = (f"{verb}: “{job.query}” — asked {target} → found {found} → saved {saved}{refused_text}"
                f" → {kept} kept")
    return {"job": job, "status": job.status, "active": active, "text": text,
            "progress": min(1.0, saved / target) if target else (0.0 if active else 1.0),
            "note": job.error, "provider_errors": counts.get("provider_errors") or {}}


# The engine's stage names, said for someone who has not read how it works.
STAGE_WORDS = {
    "embedding": "Reading the photos with the pretrained network",
    "choosing a head by cross-validation": "Trying a few small models, each tested on photos it did not see",
    "measuring": "Measuring accuracy",
    "training the final head": "Training the final model on all photos",
    "saving the model": "Saving the model",
}


def stage_in_words(stage: str) -> str:
    """"embedding 3/24" → "Reading the photos with the pretrained network (3/24)"; unknown stages as they are."""
    name, _, rest = (stage or "").partition(" ")
    if name in STAGE_WORDS and rest[:1].isdigit():
        return f"{STAGE_WORDS[name]} ({rest})"
    return STAGE_WORDS.get(stage, (stage or "Training").capitalize())


def training_run_summary(run: TrainingRun) -> dict:
    """A training run's progress in words, for the first render and every poll."""
    active = run.status in TrainingRun.ACTIVE_STATUSES
    percent = round((run.progress or 0) * 100)
    if run.status == TrainingRun.Status.QUEUED:
        text = "Waiting for a worker to start training…"
    elif run.status == TrainingRun.Status.RUNNING:
        text = f"{stage_in_words(run.stage)} — {percent}%"
    elif run.status == TrainingRun.Status.SUCCEEDED:
        text = "Training finished."
    else:
        text = "Training failed."
    return {"status": run.status, "active": active, "text": text, "progress": run.progress or 0.0,
            "error": run.error if run.status == TrainingRun.Status.FAILED else ""}
