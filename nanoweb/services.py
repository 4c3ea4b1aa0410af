"""Worker pings (sign-up lives in accounts.services)."""

from __future__ import annotations

from django.db import transaction

from nanoweb.models import WorkerPing
from nanoweb.tasks import answer_ping


def worker_ping_create() -> WorkerPing:
    """Queue a ping after commit, the way every view queues work, so a worker never sees a missing row."""
    with transaction.atomic():
        ping = WorkerPing.objects.create()
        transaction.on_commit(lambda: answer_ping.delay(str(ping.id)))
    return ping
