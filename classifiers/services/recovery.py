"""Training runs orphaned by a dead worker go back to the queue, or fail in words after their attempts."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from classifiers.models import TrainingRun

Status = TrainingRun.Status


def training_runs_recover() -> int:
    """Requeue (or fail) running runs whose heartbeat went stale; returns how many were touched."""
    from classifiers.services.training import send_training_task

    cutoff = timezone.now() - timedelta(seconds=settings.TRAINING_STALE_SECONDS)
    touched = 0
    for run in TrainingRun.objects.filter(status=Status.RUNNING, heartbeat_at__lt=cutoff):
        # Matching the heartbeat we read makes two recovering workers agree on one winner.
        still_orphaned = TrainingRun.objects.filter(id=run.id, status=Status.RUNNING, heartbeat_at=run.heartbeat_at)
        if run.attempts >= settings.TRAINING_MAX_ATTEMPTS:
            touched += still_orphaned.update(
                status=Status.FAILED,
                stage="failed",
                finished_at=timezone.now(),
                error=(
                    f"The worker training this classifier stopped {run.attempts} times (it was restarted, killed or "
                    "ran out of memory). The previous version is still active. Press Train to try again; if it "
                    "keeps happening, train with fewer photos or give the worker more memory."
                ),
            )
            continue
        requeued = still_orphaned.update(status=Status.QUEUED, stage="waiting for a worker (the last one stopped)")
        if not requeued:
            continue
        try:
            send_training_task(run.id)
        except Exception:
            # The queue is down too: leave the row orphaned as it was, so the next round tries again.
            TrainingRun.objects.filter(id=run.id, status=Status.QUEUED).update(
                status=Status.RUNNING, stage=run.stage
            )
            raise
        touched += 1
    return touched
