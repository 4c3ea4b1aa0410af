"""One round of `web_benchmark`: a throwaway classifier whose classes are filled by the app's real web
search (SearchJob rows run by the search job code, the real downloader, normalisation, duplicate refusal
and flags) from the Commons stand-in, then trained by the app's real training run. What it kept, flagged
and trained is handed back with the truth about each photo; the classifier goes at the end.

Jobs run in this process (Celery's eager mode, the tasks found as a worker finds them), so the benchmark
needs no worker running and measures the same code a worker runs.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import numpy as np
from celery import current_app
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.test.utils import override_settings

from classifiers.feature_cache import features_for
from classifiers.management.commons_standin import CommonsStandIn
from classifiers.management.web_mix import Served, WebMix
from classifiers.ml import artifacts
from classifiers.ml.training import TrainedModel, out_of_fold_probabilities, represent
from classifiers.models import Photo, SearchJob, TrainingRun
from classifiers.services.catalog import classifier_create, classifier_delete
from classifiers.services.copies import picture_groups
from classifiers.services.search_jobs import search_job_create
from classifiers.services.training import training_run_create

PROVIDER = "commons"


@dataclass
class StoredPhoto:
    name: str  # the served file's name
    served: Served
    label: str  # the class it is filed under
    flags: dict[str, str]  # kind → reason, as the review screen shows them


@dataclass
class WebRound:
    served: dict[str, Served]  # every file the stand-in listed, by name
    stored: list[StoredPhoto]  # the photos the searches kept, oldest first
    features: np.ndarray  # [stored, views, d], the app's cached features of those photos
    y: np.ndarray  # [stored] each photo's class, indexing the classes in the training run's order
    # [stored, classes] the out-of-fold probabilities the run's flags started from (what cleanlab is given)
    out_of_fold: np.ndarray
    searches: list[dict]  # each SearchJob's counts
    run_metrics: dict  # what the training run reported
    model: TrainedModel  # the version the run made active
    seconds: dict[str, float]


@contextmanager
def jobs_in_this_process() -> Iterator[None]:
    app = current_app
    before = app.conf.task_always_eager
    app.loader.import_default_modules()  # registers the apps' tasks, as a starting worker does
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = before


def web_round(mix: WebMix, *, name: str) -> WebRound:
    with CommonsStandIn(mix.results) as commons, \
            override_settings(COMMONS_API_URL=commons.api_url, ALLOW_PRIVATE_URLS=True), jobs_in_this_process():
        owner = get_user_model().objects.create_user(username=f"web-benchmark-{time.time_ns()}", password=None)
        classifier = classifier_create(owner=owner, name=name, label_names=list(mix.results))
        try:
            return _fill_train_and_read(classifier, mix)
        finally:
            classifier_delete(classifier=classifier)
            owner.delete()


def _fill_train_and_read(classifier, mix: WebMix) -> WebRound:
    labels = {label.name: label for label in classifier.labels.all()}
    if set(labels) != set(mix.results):
        raise CommandError(f"class names changed on the way in: {sorted(set(mix.results) - set(labels))}")
    seconds = {"search": 0.0, "train": 0.0}
    searches = []
    for label_name, listings in mix.results.items():
        started = time.perf_counter()
        job = search_job_create(label=labels[label_name], query=label_name, count=len(listings), providers=[PROVIDER])
        job.refresh_from_db()
        seconds["search"] += time.perf_counter() - started
        if job.status != SearchJob.Status.SUCCEEDED:
            raise CommandError(f"the search for {label_name!r} ended {job.status}: {job.error}")
        searches.append(job.counts)

    started = time.perf_counter()
    run = training_run_create(classifier=classifier)
    run.refresh_from_db()
    seconds["train"] = time.perf_counter() - started
    if run.status != TrainingRun.Status.SUCCEEDED:
        raise CommandError(f"the training ended {run.status}: {run.error}")
    model, _ = artifacts.load(Path(settings.ARTIFACTS_DIR) / run.version.artifact)

    # The photos, classes and their order as the training run took them (services/training.py), so the
    # out-of-fold probabilities recomputed below are the ones the run's flags started from.
    photos = list(Photo.objects.filter(label__classifier=classifier).select_related("label")
                  .order_by("created_at", "id"))
    if any(photo.awaiting_review for photo in photos):
        raise CommandError("some stored photos wait for review and were not trained on; the counts would not add up")
    classes = [label.name for label in classifier.labels.order_by("created_at", "name")]
    cached = features_for(photos, backbone=classifier.backbone, precision=classifier.precision)
    stored = []
    for photo in photos:
        name = unquote(photo.original_name)
        if name not in mix.truth:
            raise CommandError(f"a stored photo came from nowhere the stand-in served: {photo.original_name!r}")
        stored.append(StoredPhoto(name=name, served=mix.truth[name], label=photo.label.name,
                                  flags=dict(photo.flags or {})))
    features = np.stack([cached.features[photo.id] for photo in photos])
    y = np.array([classes.index(photo.label.name) for photo in photos], dtype=np.int64)
    # The run's own call: seed 0, copies of one picture held out together.
    groups = picture_groups(photos, represent(features))
    out_of_fold = out_of_fold_probabilities(features, y, classes, seed=0, groups=groups)
    return WebRound(served=mix.truth, stored=stored, features=features, y=y, out_of_fold=out_of_fold,
                    searches=searches, run_metrics=run.metrics, model=model, seconds=seconds)
