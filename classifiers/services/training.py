"""Training runs and model versions: queue a run, execute it in a worker, switch the active version.

A run goes queued → running → succeeded | failed | cancelled. The worker claims the row with a conditional
UPDATE, so a task delivered twice trains once; a running row whose worker died is put back in the queue
(classifiers/services/recovery.py). Every write of a running run is conditional on the claim that made it
(status running and the attempt it counted), so a run cancelled, or taken over by another worker, stops at
its next progress write. A failed or cancelled run never touches the classifier's active version.
"""

from __future__ import annotations

import errno
import logging
import shutil
import time
import uuid
from datetime import timedelta
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Case, Max, Value, When
from django.utils import timezone

from classifiers.feature_cache import features_for
from classifiers.ml import artifacts
from classifiers.ml.training import NotEnoughData, check_enough, represent, train
from classifiers.models import Classifier, Label, ModelVersion, Photo, TrainingRun
from classifiers.open_licences import is_open_licence
from classifiers.services.cleanup import classifier_files_delete
from classifiers.services.copies import picture_groups
from classifiers.services.correction_scores import corrections_score_quietly
from classifiers.services.engine_comparison import (
    classifier_engine_follow,
    engine_comparison_measure,
    engine_update_activates,
)
from classifiers.services.flags import flags_refresh_quietly
from classifiers.services.jobs import (
    heartbeat,
    job_claim,
    job_ended_announce,
    job_enqueue_on_commit,
    job_fail,
    job_send,
)
from nanoweb.errors import Conflict, InvalidInput, NotFound

log = logging.getLogger(__name__)

Status = TrainingRun.Status
# A running row whose heartbeat is older than this was left by a dead worker and may be claimed again.
STALE_AFTER = timedelta(seconds=settings.TRAINING_STALE_SECONDS)
HEARTBEAT_EVERY = 1.0  # seconds between progress writes
TASK = "classifiers.train_classifier"  # classifiers/tasks.py


class TransientError(Exception):
    """Worth retrying (database or storage briefly unavailable); the run goes back to the queue."""


# --- what a run trains on -------------------------------------------------------------------------------


def _labels(classifier: Classifier) -> list[Label]:
    return list(classifier.labels.order_by("created_at", "name"))


def _training_photos(classifier: Classifier) -> tuple[list[Photo], dict]:
    """The photos a run uses, and what was left out and why (open-licence filter)."""
    in_classifier = Photo.objects.filter(label__classifier=classifier)
    # Photos a "find more" search or a correction brought in are trained on only once a person keeps them.
    # Ordered fully (id breaks ties), so the same photos always come in the same order: a benchmark that
    # recomputes what training saw (web_benchmark) gets the very same folds.
    photos = list(in_classifier.filter(awaiting_review=False).select_related("label").order_by("created_at", "id"))
    excluded: dict = {"count": 0, "reasons": {}}
    waiting = in_classifier.filter(awaiting_review=True).count()
    if waiting:
        excluded["awaiting_review"] = waiting
    if classifier.open_licenses_only:
        kept = []
        for photo in photos:
            reason = (
                None
                if is_open_licence(photo.license)
                else (
                    "no licence recorded" if not photo.license.strip() else f"licence {photo.license!r} is not open"
                )
            )
            if reason:
                excluded["count"] += 1
                excluded["reasons"][reason] = excluded["reasons"].get(reason, 0) + 1
            else:
                kept.append(photo)
        photos = kept
        excluded["rule"] = "only photos under public domain, CC0, CC BY or CC BY-SA (open licences only is on)"
    return photos, excluded


def _photos(n: int) -> str:
    return f"{n} photo{'' if n == 1 else 's'}"


def _were(n: int) -> str:
    return "was" if n == 1 else "were"


def _check_trainable(labels: list[Label], photos: list[Photo], excluded: dict) -> None:
    index = {label.id: i for i, label in enumerate(labels)}
    y = np.array([index[e.label_id] for e in photos], dtype=np.int64)
    try:
        check_enough(y, [label.name for label in labels])
    except NotEnoughData as exc:
        note = ""
        if excluded.get("count"):
            note = (
                f" ({_photos(excluded['count'])} without an open licence {_were(excluded['count'])} left out because "
                "open licences only is on.)"
            )
        if excluded.get("awaiting_review"):
            note += (f" ({_photos(excluded['awaiting_review'])} "
                     + ("is waiting for review; keep it on the review page to train on it.)"
                        if excluded["awaiting_review"] == 1
                        else "are waiting for review; keep them on the review page to train on them.)"))
        raise InvalidInput(str(exc) + note, details={"field": "examples"}) from None


# --- queueing -------------------------------------------------------------------------------------------


def training_run_create(*, classifier: Classifier, backbone: str = "", precision: str = "",
                        compared_with: ModelVersion | None = None) -> TrainingRun:
    """Queue a training run after checking there is enough to train on; the task is sent on commit. It reads
    photos with the classifier's engine unless `backbone` and `precision` name another; `compared_with`
    makes it a retraining with the new engine (services/engine_update.py), measured against that version."""
    labels = _labels(classifier)
    photos, excluded = _training_photos(classifier)
    _check_trainable(labels, photos, excluded)
    if TrainingRun.objects.filter(classifier=classifier, status__in=TrainingRun.ACTIVE_STATUSES).exists():
        raise Conflict("This classifier is already training; wait for that run to finish.")
    try:
        with transaction.atomic():
            run = TrainingRun.objects.create(classifier=classifier, stage="queued", backbone=backbone,
                                             precision=precision, compared_with=compared_with)
    except IntegrityError:  # the partial unique constraint: another request queued one just now
        raise Conflict("This classifier is already training; wait for that run to finish.") from None
    job_enqueue_on_commit(
        job=run, task=TASK,
        unavailable="The training queue cannot be reached right now, so nothing was started. Try again in a minute.")
    return run


def training_run_cancel(*, run: TrainingRun) -> TrainingRun:
    """A queued run ends at once; a running one is marked cancelled now (so Train works again at once) and
    its worker stops at its next progress write, leaving the active version as it was. Refused in words for
    a run that has already ended."""
    now = timezone.now()
    cancelled = TrainingRun.objects.filter(id=run.id, status__in=TrainingRun.ACTIVE_STATUSES).update(
        status=Status.CANCELLED, stage="cancelled", finished_at=now,
        error="Cancelled. The version that was active before still is.")
    run.refresh_from_db()
    if not cancelled:
        raise Conflict(f"This training has already ended ({run.status}); there is nothing to cancel.")
    job_ended_announce(TrainingRun, job_ids=[run.id])
    return run


def send_training_task(run_id: uuid.UUID | str) -> None:
    """Put the run's task on the queue; raises whatever the broker raises when it cannot be reached."""
    job_send(task=TASK, job_id=run_id)


# --- executing ------------------------------------------------------------------------------------------


def _claim(run_id: uuid.UUID | str) -> TrainingRun | None:
    again = Case(When(attempts__gt=0, then=Value("starting again")), default=Value("starting"))
    run = job_claim(TrainingRun, job_id=run_id, stale_after=STALE_AFTER, fresh={"stage": again},
                    reclaimed={"stage": "resuming after the worker stopped"})
    return TrainingRun.objects.select_related("classifier", "compared_with").get(id=run.id) if run else None


class _NoLongerOurs(Exception):
    """The run was cancelled, or another worker took it over, since this worker claimed it."""


def _ours(run: TrainingRun):
    """The run's row as long as it is still this claim's: running, at the attempt the claim counted."""
    return TrainingRun.objects.filter(id=run.id, status=Status.RUNNING, attempts=run.attempts)


class _Reporter:
    """Progress, stage text and heartbeat on the row, written at most once a second; a write that finds the
    run no longer ours (cancelled, taken over) stops the training."""

    def __init__(self, run: TrainingRun) -> None:
        self.run = run
        self.last = 0.0

    def __call__(self, stage: str, progress: float, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < HEARTBEAT_EVERY:
            return
        self.last = now
        written = _ours(self.run).update(
            stage=stage[:200], progress=round(min(max(progress, 0.0), 1.0), 3), heartbeat_at=timezone.now()
        )
        if not written:
            raise _NoLongerOurs


def training_run_execute(*, run_id: uuid.UUID | str) -> TrainingRun | None:
    """Run a queued training run to the end. Returns None when the run is not ours to run (done already,
    or another worker has it). Raises TransientError after putting the run back in the queue."""
    run = _claim(run_id)
    if run is None:
        return None
    try:
        with heartbeat(TrainingRun, run.id):
            _execute(run, _Reporter(run))
    except _NoLongerOurs:
        log.info("training run %s was cancelled or taken over; this worker stopped it", run.id)
    except TransientError:
        _ours(run).update(status=Status.QUEUED, stage="waiting to retry", sent_at=timezone.now())
        raise
    except (DatabaseError, OSError) as exc:
        _ours(run).update(status=Status.QUEUED, stage="waiting to retry", sent_at=timezone.now())
        raise TransientError(_storage_in_words(exc) if isinstance(exc, OSError) else str(exc)) from exc
    except Exception as exc:
        log.exception("training run %s failed", run.id)
        _fail(run, _in_words(exc))
    # None when the classifier was deleted meanwhile, and its runs with it.
    return TrainingRun.objects.filter(id=run.id).first()


def _storage_in_words(exc: OSError) -> str:
    """What a person can do about a file that could not be written: the data folder is full or locked. The
    file's path is for the operator's log: a page shows no server paths."""
    log.warning("training could not write a file: %s", exc)
    if exc.errno == errno.ENOSPC or exc.errno == errno.EDQUOT:
        return "the data folder is full: free some disk space, then press Train again"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR):
        return ("NanoWeb cannot write to its data folder: check that the folder exists and that the worker "
                "may write to it, then press Train again")
    return f"a file could not be written: {exc.strerror or 'the system refused it'}"


def _in_words(exc: Exception) -> str:
    if isinstance(exc, (NotEnoughData, InvalidInput)):
        return str(exc)
    return (
        f"Training stopped because of an internal error ({type(exc).__name__}: {exc}). "
        "The previous version is still active."
    )


def _fail(run: TrainingRun, message: str) -> None:
    job_fail(_ours(run), error=message, stage="failed")


def _execute(run: TrainingRun, report: _Reporter) -> None:
    classifier = run.classifier
    labels = _labels(classifier)
    photos, excluded = _training_photos(classifier)
    _check_trainable(labels, photos, excluded)

    backbone, precision = run_engine(run)
    report(f"embedding 0/{len(photos)}", 0.02, force=True)
    cached = features_for(
        photos,
        backbone=backbone,
        precision=precision,
        on_progress=lambda done, total: report(f"embedding {done}/{total}", 0.02 + 0.68 * done / max(total, 1)),
    )
    if cached.unreadable:
        excluded["unreadable"] = {
            "count": len(cached.unreadable),
            "examples": [{"example_id": str(i), "reason": r} for i, r in list(cached.unreadable.items())[:50]],
        }
        photos = [e for e in photos if e.id not in cached.unreadable]
        _check_trainable(labels, photos, excluded)

    index = {label.id: i for i, label in enumerate(labels)}
    y = np.array([index[e.label_id] for e in photos], dtype=np.int64)
    features = np.stack([cached.features[e.id] for e in photos])
    # Copies of one picture are held out together, so the accuracy measured is not flattered by them.
    groups = picture_groups(photos, represent(features))
    result = train(
        features,
        y,
        [label.name for label in labels],
        seed=0,
        progress=lambda stage, fraction: report(stage, 0.7 + 0.25 * fraction, force=True),
        # A photo a person kept is trained on whatever the evidence says.
        protected=[row for row, photo in enumerate(photos) if photo.dismissed_flags],
        groups=groups,
    )

    metrics = dict(result.metrics)
    metrics["misclassified"] = [
        {
            "example_id": str(photos[m["row"]].id),
            "label": m["label"],
            "predicted": m["predicted"],
            "confidence": m["confidence"],
        }
        for m in metrics.get("misclassified", [])
    ]
    metrics["left_out"] = [
        {"example_id": str(photos[item["row"]].id), "looks_like": item["looks_like"]}
        for item in metrics.get("left_out", [])
    ]
    metrics["excluded"] = excluded
    metrics["pictures"] = {"photos": len(photos), "distinct": int(len(np.unique(groups)))}
    metrics["embedded"] = {"new": cached.embedded, "from_cache": len(photos) - cached.embedded}
    metrics["backbone"] = backbone
    metrics["precision"] = cached.precision
    # Before the new version is made active: the old one is the version whose answers were corrected.
    corrections = corrections_score_quietly(
        classifier=classifier, model=result.model, backbone=backbone, precision=cached.precision,
        trained_on={e.id for e in photos},
        held_out_wrong={uuid.UUID(m["example_id"]) for m in metrics["misclassified"]})
    if corrections is not None:
        metrics["corrections"] = corrections
    if run.compared_with_id:
        report("comparing with the version that answers now, on the same photos", 0.95, force=True)
        metrics["engine_update"] = engine_comparison_measure(
            previous=run.compared_with, photos=photos, y=y, labels=[label.name for label in labels],
            folds=result.folds, accuracy=metrics["accuracy"])

    report("saving the model", 0.96, force=True)
    folder_name = f"{classifier.id}/{run.id}"
    folder = Path(settings.ARTIFACTS_DIR) / folder_name
    if not Classifier.objects.filter(id=classifier.id).exists():
        return  # deleted while it trained (its runs with it): nothing of it is written
    if not folder.exists():  # a re-claimed run may have written it before its worker died
        artifacts.save(
            result.model,
            folder,
            backbone=backbone,
            metrics=metrics,
            extra={"label_ids": [str(label.id) for label in labels], "precision": cached.precision},
        )
    try:
        _save_version(run, classifier, labels, folder_name, metrics)
    except _NoLongerOurs:  # cancelled while saving: nothing was switched, and its files go
        if not TrainingRun.objects.filter(id=run.id, status__in=TrainingRun.ACTIVE_STATUSES).exists():
            shutil.rmtree(folder, ignore_errors=True)
        raise
    # The run has succeeded whatever happens to the flags (a failure is logged).
    flags_refresh_quietly(classifier=classifier, misclassified=_misclassified(photos, result),
                          judged=[e.id for e in photos],
                          looks_like={photos[row].id: labels[other].id
                                      for row, (other, _) in result.looks_like.items()})


def _save_version(run: TrainingRun, classifier: Classifier, labels: list[Label], folder_name: str,
                  metrics: dict) -> ModelVersion:
    """The new version, made active, and the run succeeded, in one transaction that is undone when the run
    is no longer ours (cancelled meanwhile)."""
    with transaction.atomic():
        locked = Classifier.objects.select_for_update().filter(id=classifier.id).first()
        if locked is None:  # deleted while the model was written: its files go as the others did
            classifier_files_delete(classifier_id=classifier.id)
            return
        number = (locked.versions.aggregate(top=Max("number"))["top"] or 0) + 1
        version = ModelVersion.objects.create(
            classifier=locked,
            number=number,
            artifact=folder_name,
            backbone=metrics["backbone"],
            precision=metrics["precision"],  # what the features really ran on
            labels=[{"id": str(label.id), "name": label.name} for label in labels],
            metrics=metrics,
        )
        # A retraining with the new engine waits for its person's choice (services/engine_update.py).
        if "engine_update" not in metrics or engine_update_activates(comparison=metrics["engine_update"]):
            locked.active_version = version
            locked.save(update_fields=["active_version", "updated_at"])
            if "engine_update" in metrics:
                classifier_engine_follow(classifier=locked, version=version)
        succeeded = _ours(run).update(
            status=Status.SUCCEEDED,
            progress=1.0,
            stage="done",
            metrics=metrics,
            version=version,
            finished_at=timezone.now(),
            heartbeat_at=timezone.now(),
            error="",
        )
        if not succeeded:
            raise _NoLongerOurs
        job_ended_announce(TrainingRun, job_ids=[run.id])
    return version


def run_engine(run: TrainingRun) -> tuple[str, str]:
    """(backbone, precision) a run reads photos with: its own when it names one, else its classifier's."""
    if run.backbone:
        return run.backbone, run.precision or run.classifier.precision
    return run.classifier.backbone, run.classifier.precision


def _misclassified(photos: list[Photo], result) -> dict[uuid.UUID, tuple[float, str]]:
    """photo id → (doubt, reason) for the photos filed under the wrong class; the doubt is the probability
    of the class it looks like, so the review list shows the clearest mistakes first."""
    return {
        photos[row].id: (result.looks_like[row][1] if row in result.looks_like else 0.5, kinds["misclassified"])
        for row, kinds in result.flags.items()
        if "misclassified" in kinds
    }


# --- versions -------------------------------------------------------------------------------------------


def version_activate(*, classifier: Classifier, number: int) -> ModelVersion:
    """Make an earlier (or later) version the one that answers predictions; the classifier's next trainings
    read photos with that version's engine (so choosing a version retrained with the new engine keeps it)."""
    with transaction.atomic():
        locked = Classifier.objects.select_for_update().get(id=classifier.id)
        try:
            version = locked.versions.get(number=number)
        except ModelVersion.DoesNotExist:
            raise NotFound(f"This classifier has no version {number}.") from None
        locked.active_version = version
        locked.save(update_fields=["active_version", "updated_at"])
        classifier_engine_follow(classifier=locked, version=version)
    classifier.active_version = version
    classifier.backbone, classifier.precision = version.backbone, version.precision
    return version


def training_run_give_up(*, run_id: uuid.UUID | str, reason: str) -> None:
    """After the last retry of a transient failure: the run fails, saying what kept going wrong."""
    job_fail(
        TrainingRun.objects.filter(id=run_id, status__in=TrainingRun.ACTIVE_STATUSES),
        error=(
            f"Training kept failing for a temporary reason and was given up after several tries: {reason}. "
            "The previous version is still active."
        ),
        stage="failed",
    )
