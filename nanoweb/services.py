"""Worker pings (sign-up lives in accounts.services)."""

from __future__ import annotations

from celery import current_app
from django.db import transaction

from nanoweb.models import WorkerPing


def worker_ping_create() -> WorkerPing:
    """Queue a ping after commit, the way every view queues work, so a worker never sees a missing row."""
    with transaction.atomic():
        ping = WorkerPing.objects.create()
        transaction.on_commit(lambda: current_app.send_task("nanoweb.answer_ping", args=[str(ping.id)]))
    return ping
