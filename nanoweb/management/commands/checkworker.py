"""Say what the workers last reported, then queue a ping the way the web app queues work and wait for a
Celery worker to answer it.

Operators run it to learn whether a worker is consuming the queue (`manage.py checkworker`). A worker whose
main process runs but whose pool stopped taking tasks still answers Celery's own `ping`; its report says it.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from classifiers.selectors.workers import RESTART_HINT, STUCK, workers_now
from nanoweb.datafolder import database_ready
from nanoweb.models import WorkerPing
from nanoweb.services import worker_ping_create


class Command(BaseCommand):
    help = "Check that a Celery worker answers a queued task."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for an answer")

    def handle(self, *args, timeout: float, **options) -> None:
        database_ready(table=WorkerPing._meta.db_table)
        queue = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("data_folder_in")
        if settings.CELERY_BROKER_URL.startswith("filesystem://") and not Path(queue).is_dir():
            raise CommandError(
                f"This data folder ({settings.DATA_DIR}) has no task queue ({queue}): run `make run` once, or set "
                "NANOWEB_DATA_DIR (or CELERY_BROKER_URL) to what the app uses."
            )
        stuck = self.report_workers()
        started = time.monotonic()
        ping = worker_ping_create()
        self.stdout.write(f"Queued ping {ping.id}")
        while time.monotonic() - started < timeout:
            ping = WorkerPing.objects.get(id=ping.id)
            if ping.answered_at:
                elapsed = time.monotonic() - started
                self.stdout.write(self.style.SUCCESS(f"Worker {ping.worker} answered in {elapsed:.1f} s"))
                if stuck:
                    raise CommandError(f"{stuck} takes no tasks: {RESTART_HINT}")
                return
            time.sleep(0.2)
        if stuck:
            raise CommandError(f"No worker answered within {timeout:.0f} s, and {stuck} takes no tasks: "
                               f"{RESTART_HINT}")
        raise CommandError(
            f"No worker answered within {timeout:.0f} s. Start one with `make run` or "
            "`celery -A nanoweb worker`, and check it uses the same CELERY_BROKER_URL and database."
        )

    def report_workers(self) -> str:
        """One line per worker that reported itself; returns the names of those that take no tasks."""
        try:
            workers = workers_now()
        except DatabaseError:  # a database from before the workers reported themselves: the ping still tells
            return ""
        for view in workers:
            self.stdout.write(f"Worker {view.in_words()}")
        stuck = [view.node for view in workers if view.state == STUCK]
        return " and ".join(f"worker {node}" for node in stuck)
