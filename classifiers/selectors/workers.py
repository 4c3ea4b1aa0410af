"""Whether a worker takes tasks now, read from the rows the workers write (classifiers/services/workers.py).

One small query, never the queue: the pages, /health/, `checkworker` and `make run` ask it as often as they
like. A worker is
  - "ok": it reported recently and its pool answers the pings it sends itself;
  - "busy": every one of its processes is running a task, so its ping waits (that is not a fault);
  - "not taking tasks": a process of its pool has been free for WORKER_STUCK_SECONDS and still no ping was
    answered (its pool processes were killed and the pool took no task since);
  - "stopped reporting": its main process has not written its row for a while (killed, or its machine gone).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.timesince import timesince

from classifiers.models import Worker

OK, BUSY, STUCK, GONE = "ok", "busy", "not taking tasks", "stopped reporting"


def _for(since: datetime, now: datetime | None = None) -> str:
    """How long ago, in words: "12 s", "3 minutes"."""
    seconds = ((now or timezone.now()) - since).total_seconds()
    return f"{max(seconds, 0):.0f} s" if seconds < 120 else timesince(since, now)


def gone_after() -> timedelta:
    """A worker's main process reports every RECOVERY_SECONDS; three missed reports and it is gone."""
    return timedelta(seconds=max(3 * settings.RECOVERY_SECONDS, 15))


def worker_state(row: Worker, *, now: datetime | None = None) -> str:
    now = now or timezone.now()
    if row.seen_at < now - gone_after():
        return GONE
    waiting_since = max(row.ping_sent_at, row.idle_since) if row.ping_sent_at and row.idle_since else None
    if waiting_since is not None and waiting_since < now - timedelta(seconds=settings.WORKER_STUCK_SECONDS):
        return STUCK
    if row.active >= row.concurrency:
        return BUSY
    return OK


@dataclass(frozen=True)
class WorkerView:
    node: str
    state: str
    row: Worker

    def in_words(self, now: datetime | None = None) -> str:
        now = now or timezone.now()
        row = self.row
        if self.state == GONE:
            return f"{self.node}: stopped reporting {_for(row.seen_at, now)} ago"
        if self.state == STUCK:
            waited = _for(max(row.ping_sent_at, row.idle_since), now)
            return (f"{self.node}: NOT taking tasks — its task processes have not answered for {waited} although "
                    f"{row.concurrency - row.active} of {row.concurrency} are free (they may have been killed)")
        if self.state == BUSY:
            return f"{self.node}: busy, all {row.concurrency} task processes working"
        answered = f", last answered {_for(row.answered_at, now)} ago" if row.answered_at else ""
        return f"{self.node}: takes tasks ({row.active} of {row.concurrency} task processes working{answered})"


def workers_now() -> list[WorkerView]:
    now = timezone.now()
    return [WorkerView(row.node, worker_state(row, now=now), row) for row in Worker.objects.order_by("node")]


def worker_by_node(node: str) -> WorkerView | None:
    row = Worker.objects.filter(node=node).first()
    return WorkerView(row.node, worker_state(row), row) if row else None


@dataclass(frozen=True)
class Availability:
    """Whether background work (training, searches) can start now, for the pages and /health/."""

    status: str  # ok | busy | not taking tasks | none
    reason: str = ""  # why work is paused, a sentence that follows "Training is paused: "
    details: str = ""  # what a person (or the operator) can do, for behind a fold

    @property
    def paused(self) -> bool:
        return self.status not in (OK, BUSY)


RESTART_HINT = ("`make run` restarts its worker by itself; on a server, restart the Celery worker "
                "(`celery -A nanoweb worker`, with the same settings as the site). "
                "`manage.py checkworker` tells whether a worker takes tasks.")


def workers_availability() -> Availability:
    workers = workers_now()
    states = {view.state for view in workers}
    if OK in states:
        return Availability(OK)
    if BUSY in states:
        return Availability(BUSY)
    if STUCK in states:
        return Availability(
            STUCK, "the worker has stopped taking tasks. It goes on by itself once the worker is restarted.",
            "The worker still runs, but its task processes have not answered for a while (they may have been "
            "killed, for example when the machine ran out of memory). " + RESTART_HINT)
    if workers:
        last = max(view.row.seen_at for view in workers)
        return Availability(
            "none", "no worker is running. It goes on by itself as soon as one runs again.",
            f"The worker (the process that trains and searches) stopped reporting {_for(last)} ago. "
            + RESTART_HINT)
    return Availability(
        "none", "no worker is running. It starts by itself as soon as one runs.",
        "No worker (the process that trains and searches) has reported to this site yet. " + RESTART_HINT)
