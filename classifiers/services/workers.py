"""Workers report themselves, so that a worker that stopped taking tasks is told from one that is busy.

A Celery worker can look alive and do nothing: when its pool processes are killed (`kill -9`, the
out-of-memory killer), its main process still answers Celery's `ping` and keeps taking messages off the
queue, but on the filesystem broker no new pool process ever runs one (a killed process held the pool's
lock). So the worker's main process writes its `Worker` row every RECOVERY_SECONDS (from the recovery loop)
and sends itself a ping through the queue, to a queue only it reads, that only a pool process can answer.
The selectors (classifiers/selectors/workers.py) judge the rows; nothing here waits on the queue.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery import current_app
from django.utils import timezone

from classifiers.models import Worker

log = logging.getLogger(__name__)
ANSWER_TASK = "classifiers.worker_alive"  # classifiers/tasks.py
FORGET_AFTER = timedelta(days=1)  # rows of workers not seen for this long are deleted


def worker_queue(node: str) -> str:
    """The queue only this worker reads (nanoweb/celery.py adds it when the worker starts)."""
    return f"nanoweb.worker.{node}"


@dataclass
class ThisWorker:
    """The worker this process belongs to, set in its main process before the pool processes are forked
    (so they inherit it); empty outside a worker (the web, tests running tasks in-process)."""

    node: str = ""
    instance: str = ""
    pid: int = 0
    concurrency: int = 0
    started_at: datetime | None = None
    idle_since: datetime | None = None


this_worker = ThisWorker()


def worker_identity_set(*, node: str, concurrency: int) -> ThisWorker:
    """In the worker's main process, when it starts: who claims the jobs its pool processes run."""
    this_worker.node = node
    this_worker.instance = uuid.uuid4().hex
    this_worker.pid = os.getpid()
    this_worker.concurrency = max(int(concurrency or 1), 1)
    this_worker.started_at = timezone.now()
    this_worker.idle_since = None
    return this_worker


def worker_report(*, active: int) -> Worker:
    """The main process's report: the row is written, and a ping is sent to itself when none is waiting.
    `active` is how many tasks its pool processes are running (a free process answers the ping at once)."""
    me = this_worker
    now = timezone.now()
    me.idle_since = (me.idle_since or now) if active < me.concurrency else None
    fields = {"instance": me.instance, "host": socket.gethostname(), "pid": me.pid, "concurrency": me.concurrency,
              "seen_at": now, "active": active, "idle_since": me.idle_since}
    updated = Worker.objects.filter(node=me.node, instance=me.instance).update(**fields)
    if not updated:  # first report of this start: take the row over from an earlier start of the same node
        Worker.objects.update_or_create(
            node=me.node, defaults={**fields, "started_at": me.started_at or now, "ping_sent_at": None})
    row = Worker.objects.get(node=me.node)
    if row.ping_sent_at is None:
        Worker.objects.filter(id=row.id, ping_sent_at__isnull=True).update(ping_sent_at=now)
        current_app.send_task(ANSWER_TASK, args=[me.node, me.instance], queue=worker_queue(me.node))
        row.ping_sent_at = now
    Worker.objects.filter(seen_at__lt=now - FORGET_AFTER).delete()
    return row


def worker_answer(*, node: str, instance: str) -> None:
    """In a pool process: its worker's ping came through, so the pool takes tasks."""
    Worker.objects.filter(node=node, instance=instance).update(answered_at=timezone.now(), ping_sent_at=None)


def worker_takes_tasks(row: Worker, *, within: timedelta) -> bool:
    """This worker's own pool answered a ping within `within`, and none has been waiting for that long."""
    now = timezone.now()
    return (row.answered_at is not None and row.answered_at >= now - within
            and (row.ping_sent_at is None or row.ping_sent_at >= now - within))


def worker_gone(*, node: str, instance: str) -> None:
    """The worker is stopping: its row goes, so no one waits for it (its jobs are recovered by others)."""
    Worker.objects.filter(node=node, instance=instance).delete()
