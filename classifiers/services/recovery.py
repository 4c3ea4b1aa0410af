"""Recover work whose worker died: `kill -9`, out of memory, a machine gone.

Every worker runs `orphans_recover` when it starts and then every RECOVERY_SECONDS in a thread of its main
process (the loop is started and stopped by the worker signals wired in nanoweb/celery.py). A running row
whose heartbeat is older than its stale threshold was orphaned: a training run goes back to the queue (a
fresh task is sent) until it has used its attempts, then fails in words; a search job ends failed in words,
keeping the photos it had saved. Conditional UPDATEs make it safe for every worker of a cluster to do this
at once.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.db import connection

from classifiers.models import TrainingRun
from classifiers.services.cleanup import orphan_files_delete
from classifiers.services.jobs import job_fail, jobs_orphaned
from classifiers.services.search_jobs import search_jobs_fail_stale
from classifiers.services.training import send_training_task

log = logging.getLogger(__name__)
Status = TrainingRun.Status


def training_runs_recover() -> int:
    """Requeue (or fail) running runs whose heartbeat went stale; returns how many were touched."""
    touched = 0
    for run in jobs_orphaned(TrainingRun, stale_after=timedelta(seconds=settings.TRAINING_STALE_SECONDS)):
        # Matching the heartbeat we read makes two recovering workers agree on one winner.
        still_orphaned = TrainingRun.objects.filter(id=run.id, status=Status.RUNNING, heartbeat_at=run.heartbeat_at)
        if run.attempts >= settings.TRAINING_MAX_ATTEMPTS:
            touched += job_fail(
                still_orphaned,
                stage="failed",
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


def orphans_recover() -> dict[str, int]:
    return {"training_runs": training_runs_recover(), "search_jobs": search_jobs_fail_stale(),
            "orphan_folders": orphan_files_delete()}


class RecoveryLoop:
    """`orphans_recover` now and every RECOVERY_SECONDS, in a daemon thread, until stopped."""

    def __init__(self) -> None:
        self._stop = threading.Event()

    def start(self) -> None:
        self._stop.clear()
        threading.Thread(target=self._loop, name="nanoweb-recovery", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while True:
            try:
                recovered = orphans_recover()
                if any(recovered.values()):
                    log.warning("recovered orphaned work: %s", recovered)
            except Exception:  # a database hiccup must not kill the loop; the next round retries
                log.exception("recovering orphaned work failed")
            finally:
                connection.close()
            if self._stop.wait(settings.RECOVERY_SECONDS):
                return


recovery_loop = RecoveryLoop()
