"""Account-side workflows: sign-up and worker pings."""

from __future__ import annotations

from celery import current_app
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from nanoweb.models import WorkerPing


def user_create(*, username: str, email: str, password: str) -> AbstractBaseUser:
    return get_user_model().objects.create_user(username=username, email=email, password=password)


def worker_ping_create() -> WorkerPing:
    """Queue a ping after commit, the way every view queues work, so a worker never sees a missing row."""
    with transaction.atomic():
        ping = WorkerPing.objects.create()
        transaction.on_commit(lambda: current_app.send_task("nanoweb.answer_ping", args=[str(ping.id)]))
    return ping
