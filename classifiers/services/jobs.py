"""The life of a background job, the same for a training run and a web search (both are `Job` rows).

queued → running → succeeded | failed | cancelled. The row is created in a transaction and its task is sent
only once that commits, by name (services never import task modules: the tasks import the services). A
worker claims the row with a conditional UPDATE, so a task delivered twice runs once; that is what makes
sending a task again always safe. A running row whose worker died is put back in the queue by the recovery
loop (classifiers/services/recovery.py), up to the job's attempts; a queued row whose message the queue lost
is sent again. Whatever ends a job ends it in words a person can act on.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.dispatch import Signal
from django.utils import timezone

from classifiers.models import Job
from classifiers.services.workers import this_worker
from nanoweb.errors import Unavailable

log = logging.getLogger(__name__)
Status = Job.Status


# Sent once a job has ended (succeeded, failed or cancelled) and that has been committed, with the ids of
# the jobs of `sender` (TrainingRun or SearchJob) that ended. Webhooks listen (services/webhooks.py, connected
# in apps.py), so the lifecycle needs to know nothing of who is told.
job_ended = Signal()


def job_send(*, task: str, job_id, retry_policy: dict | None = None, countdown: float | None = None) -> None:
    """Put the job's task on the queue by name (any task taking one id: a webhook delivery too), `countdown`
    seconds from now if given; raises whatever the broker raises when it cannot be reached."""
    if current_app.conf.task_always_eager:  # send_task ignores eager mode; keep NANOWEB_TASKS_EAGER working
        current_app.tasks[task].apply(args=[str(job_id)])
        return
    current_app.send_task(task, args=[str(job_id)], retry=retry_policy is not None, retry_policy=retry_policy,
                          countdown=countdown)


def job_ended_announce(model: type[Job], *, job_ids) -> None:
    """Tell job_ended's listeners, once the surrounding transaction commits, that these jobs ended. A listener
    that fails is logged and costs nothing else: the job has ended whatever it does."""
    ids = [str(job_id) for job_id in job_ids]
    if not ids:
        return

    def announce() -> None:
        for receiver, outcome in job_ended.send_robust(sender=model, job_ids=ids):
            if isinstance(outcome, Exception):
                log.warning("%s could not be told that %s %s ended: %r", receiver, model.__name__, ids, outcome)

    transaction.on_commit(announce)


def job_enqueue_on_commit(*, job: Job, task: str, unavailable: str, retry_policy: dict | None = None) -> None:
    """Send the job's task once the surrounding transaction commits. When the queue cannot be reached the
    row is taken back and the person is told `unavailable`: no job waits for a task that was never sent."""

    def send() -> None:
        try:
            job_send(task=task, job_id=job.id, retry_policy=retry_policy)
        except Exception as exc:  # kombu/redis raise many kinds; all mean "not queued"
            log.warning("could not queue %s %s: %r", type(job).__name__, job.id, exc)
            type(job).objects.filter(id=job.id, status=Status.QUEUED).delete()
            raise Unavailable(unavailable) from exc

    transaction.on_commit(send)


def job_claim(model: type[Job], *, job_id, stale_after: timedelta, fresh: dict | None = None,
              reclaimed: dict | None = None) -> Job | None:
    """Take a queued job, or a running one whose worker died (its heartbeat is older than `stale_after`),
    for this worker; `fresh` and `reclaimed` are further fields to set in either case. Returns the row, or
    None when the job is not ours to run (finished, cancelled, or alive in another worker)."""
    now = timezone.now()
    claim = {"status": Status.RUNNING, "heartbeat_at": now, "attempts": F("attempts") + 1,
             "worker": this_worker.instance, "worker_pid": os.getpid()}
    claimed = model.objects.filter(id=job_id, status=Status.QUEUED).update(**claim, started_at=now, **(fresh or {}))
    if not claimed:
        claimed = model.objects.filter(
            Q(heartbeat_at__lt=now - stale_after) | Q(heartbeat_at__isnull=True), id=job_id, status=Status.RUNNING
        ).update(**claim, **(reclaimed or {}))
    return model.objects.get(id=job_id) if claimed else None


def job_requeue(model: type[Job], *, job: Job, task: str, **fields) -> bool:
    """Put a running job whose worker died back in the queue and send its task again. Matching the
    heartbeat and attempts read makes two recovering workers agree on one winner; returns whether this one
    did it. When the queue cannot be reached the row is left as it was, for the next round."""
    still_ours = model.objects.filter(id=job.id, status=Status.RUNNING, heartbeat_at=job.heartbeat_at,
                                      attempts=job.attempts)
    if not still_ours.update(status=Status.QUEUED, sent_at=timezone.now(), **fields):
        return False
    try:
        job_send(task=task, job_id=job.id)
    except Exception:
        model.objects.filter(id=job.id, status=Status.QUEUED).update(
            status=Status.RUNNING, **{name: getattr(job, name) for name in fields})
        raise
    return True


def jobs_lost_in_queue(model: type[Job], *, waited: timedelta) -> QuerySet[Job]:
    """Queued jobs whose task was sent longer than `waited` ago: the caller knows that a worker with a free
    process that takes tasks has been waiting all that time, so no message of theirs is left in the queue."""
    return model.objects.filter(status=Status.QUEUED, sent_at__lt=timezone.now() - waited)


def job_resend(model: type[Job], *, job: Job, task: str, max_resends: int, error: str, **failed) -> str | None:
    """Send a queued job's task again, or fail it in words once it was sent again `max_resends` times.
    Returns "resent", "failed", or None when another worker did it first (or the job moved on)."""
    still_lost = model.objects.filter(id=job.id, status=Status.QUEUED, sent_at=job.sent_at)
    if job.resends >= max_resends:
        return "failed" if job_fail(still_lost, error=error, **failed) else None
    if not still_lost.update(sent_at=timezone.now(), resends=F("resends") + 1):
        return None
    job_send(task=task, job_id=job.id)
    return "resent"


def job_fail(jobs: QuerySet[Job], *, error: str, **fields) -> int:
    """End the given jobs as failed, saying why; returns how many were ended."""
    ids = list(jobs.values_list("id", flat=True))
    ended = jobs.filter(id__in=ids).update(status=Status.FAILED, error=error, finished_at=timezone.now(), **fields)
    if ended:
        # The jobs among `ids` that another process ended meanwhile are announced by it too: a listener that
        # cares (webhooks) keeps one delivery per job whatever the number of announcements.
        job_ended_announce(jobs.model, job_ids=ids)
    return ended


@contextmanager
def heartbeat(model: type[Job], job_id, *, every: float | None = None) -> Iterator[None]:
    """Keep a running job's heartbeat fresh from a background thread while its work runs.

    Progress writes refresh it too, but one long step (a big cross-validation, a slow provider) could go
    quiet for longer than the stale threshold; this thread makes "no heartbeat" mean "the process died".
    """
    interval = every if every is not None else settings.HEARTBEAT_SECONDS
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(interval):
                try:
                    model.objects.filter(id=job_id, status=Status.RUNNING).update(heartbeat_at=timezone.now())
                except DatabaseError as exc:
                    # A database that is busy (SQLite: "database is locked"), restarting or briefly out of reach
                    # costs one beat, not the thread: a thread that died here would leave a living job looking
                    # dead once its heartbeat went stale, and recovery would take it from its worker.
                    log.warning("could not refresh the heartbeat of %s %s (%s); trying again in %s s",
                                model.__name__, job_id, exc, interval)
                    connection.close()  # a broken connection is opened afresh by the next beat
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=interval + 5)
