"""Recover work whose worker died (`kill -9`, out of memory, a machine gone) or whose message the queue lost.

Every worker runs a round when it starts and then every RECOVERY_SECONDS, in a thread of its main process
(the loop is started and stopped by the worker signals wired in nanoweb/celery.py). A round
  1. reports the worker itself (classifiers/services/workers.py): its row, and a ping its pool answers;
  2. puts back in the queue the running jobs whose worker died — at once when the process was one of this
     worker's own, or belonged to a worker that stopped reporting (replaced by a restart, say); after the
     stale threshold for any other — saying so on the row ("The worker stopped; resuming…"), until a job has
     used its attempts and fails in words;
  3. sends again the queued jobs whose message is gone: when this worker takes tasks and has had a free
     process for QUEUED_RESEND_SECONDS, a job queued for longer than that is not waiting in the queue any
     more (a worker killed while holding its message, a broker restarted without its data). A claim is a
     conditional UPDATE, so a second delivery of one job runs it once;
  4. removes a batch of the prediction log's expired answers and the photos no longer to be kept.
Conditional UPDATEs make it safe for every worker of a cluster to do this at once.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from classifiers.models import Job, SearchJob, TrainingRun, Worker
from classifiers.selectors.workers import gone_after
from classifiers.services import search_jobs, training
from classifiers.services.cleanup import orphan_files_delete
from classifiers.services.jobs import job_fail, job_requeue, job_resend, jobs_lost_in_queue
from classifiers.services.predictions_cleanup import predictions_cleanup
from classifiers.services.webhooks import webhook_deliveries_resend
from classifiers.services.workers import this_worker, worker_report, worker_takes_tasks

log = logging.getLogger(__name__)
Status = Job.Status
WORKER_STOPPED = "The worker stopped; resuming…"
MAX_RESENDS = 3


def _process_alive(pid: int | None) -> bool:
    """Whether a pool process of this worker (or its main process, for the solo pool) still runs."""
    if not pid:
        return False
    if pid == os.getpid():
        return True
    if not Path("/proc/self/stat").exists():  # no /proc here (macOS): ask whether the process exists
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    state, parent = fields[0], int(fields[1])
    return state != "Z" and parent == os.getpid()  # a process of this worker's pool, not a reused pid


def jobs_worker_died(model: type[Job], *, stale_after: timedelta) -> list[Job]:
    """Running jobs whose worker died: a pool process of this worker that is gone; a worker that stopped
    reporting, once two heartbeats were missed (a pool process of a killed main process may still be
    finishing its job); or any job silent for `stale_after` (a worker from before these reports)."""
    now = timezone.now()
    running = list(model.objects.filter(status=Status.RUNNING))
    if not running:
        return []
    reporting = set(Worker.objects.filter(seen_at__gte=now - gone_after()).values_list("instance", flat=True))
    missed_beats = now - timedelta(seconds=2 * settings.HEARTBEAT_SECONDS)
    died = []
    for job in running:
        beat = job.heartbeat_at
        if beat is not None and beat < now - stale_after:
            died.append(job)
        elif this_worker.instance and job.worker == this_worker.instance:
            if not _process_alive(job.worker_pid):
                died.append(job)
        elif job.worker and job.worker not in reporting and (beat is None or beat < missed_beats):
            died.append(job)
    return died


def training_runs_recover() -> int:
    """Requeue (or fail) running runs whose worker died; returns how many were touched."""
    touched = 0
    for run in jobs_worker_died(TrainingRun, stale_after=timedelta(seconds=settings.TRAINING_STALE_SECONDS)):
        if run.attempts >= settings.TRAINING_MAX_ATTEMPTS:
            touched += job_fail(
                TrainingRun.objects.filter(id=run.id, status=Status.RUNNING, attempts=run.attempts),
                stage="failed",
                error=(
                    f"The worker training this classifier stopped {run.attempts} times (it was restarted, killed or "
                    "ran out of memory). The previous version is still active. Press Train to try again; if it "
                    "keeps happening, train with fewer photos or give the worker more memory."
                ),
            )
        elif job_requeue(TrainingRun, job=run, task=training.TASK, stage=WORKER_STOPPED):
            log.warning("training run %s lost its worker (attempt %s); queued again", run.id, run.attempts)
            touched += 1
    return touched


def search_jobs_recover() -> int:
    """Requeue (or fail) running searches whose worker died; the photos they saved stay, and a resumed
    search tops the class up from where it stopped."""
    touched = 0
    for job in jobs_worker_died(SearchJob, stale_after=timedelta(seconds=settings.SEARCH_JOB_STALE_SECONDS)):
        if job.attempts >= search_jobs.MAX_ATTEMPTS:
            touched += job_fail(
                SearchJob.objects.filter(id=job.id, status=Status.RUNNING, attempts=job.attempts),
                error=(f"The worker running this search stopped {job.attempts} times. The photos saved before that "
                       "are kept; search again to top the class up."))
        elif job_requeue(SearchJob, job=job, task=search_jobs.TASK):
            log.warning("search job %s lost its worker (attempt %s); queued again", job.id, job.attempts)
            touched += 1
    return touched


def orphans_recover() -> dict[str, int]:
    return {"training_runs": training_runs_recover(), "search_jobs": search_jobs_recover(),
            "orphan_folders": orphan_files_delete()}


def queued_jobs_resend(me: Worker) -> dict[str, int]:
    """Send again the queued jobs whose message is gone (see the module's docstring); fail in words those
    sent again MAX_RESENDS times already. Only a worker that takes tasks and has been idle long enough does."""
    waited = timedelta(seconds=settings.QUEUED_RESEND_SECONDS)
    now = timezone.now()
    if this_worker.idle_since is None or this_worker.idle_since > now - waited:
        return {}
    if not worker_takes_tasks(me, within=waited):
        return {}
    words = {
        TrainingRun: (training.TASK, "No worker took this training from the queue, although it was sent {n} more "
                                     "times (the queue lost it). The previous version is still active; press "
                                     "Train again.", {"stage": "failed"}),
        SearchJob: (search_jobs.TASK, "No worker took this search from the queue, although it was sent {n} more "
                                      "times (the queue lost it). Search again to start it anew.", {}),
    }
    done: dict[str, int] = {}
    for model, (task, error, failed) in words.items():
        for job in jobs_lost_in_queue(model, waited=waited):
            outcome = job_resend(model, job=job, task=task, max_resends=MAX_RESENDS,
                                 error=error.format(n=job.resends), **failed)
            if outcome:
                log.warning("%s %s was not taken from the queue in %s s: %s", model.__name__, job.id,
                            settings.QUEUED_RESEND_SECONDS, outcome)
                key = f"{model.__name__} {outcome}"
                done[key] = done.get(key, 0) + 1
    return done


def recovery_round(*, active: int) -> dict[str, int]:
    me = worker_report(active=active)
    done = {name: n for name, n in orphans_recover().items() if n}
    done.update(queued_jobs_resend(me))
    # The prediction log's expired answers, a bounded batch a round (services/predictions_cleanup.py).
    done.update({name: n for name, n in predictions_cleanup().items() if n})
    # Webhook calls whose retry message was lost are sent again (services/webhooks.py).
    if resent := webhook_deliveries_resend():
        done["webhook deliveries resent"] = resent
    return done


class RecoveryLoop:
    """`recovery_round` now and every RECOVERY_SECONDS, in a daemon thread, until stopped. `active` tells
    how many tasks the worker's pool processes are running (celery.worker.state in the main process)."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._active: Callable[[], int] = lambda: 0

    def start(self, *, active: Callable[[], int]) -> None:
        self._active = active
        self._stop.clear()
        threading.Thread(target=self._loop, name="nanoweb-recovery", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while True:
            try:
                done = recovery_round(active=self._active())
                if done:
                    log.warning("recovered: %s", done)
            except Exception:  # a database or queue hiccup must not kill the loop; the next round retries
                log.exception("recovering orphaned work failed")
            finally:
                connection.close()
            if self._stop.wait(settings.RECOVERY_SECONDS):
                return


recovery_loop = RecoveryLoop()
