"""Keep a running row's heartbeat fresh from a background thread while its work runs.

Progress callbacks also refresh it, but one long step (a big cross-validation, a slow provider) could
go quiet for longer than the stale threshold; this thread makes "no heartbeat" mean "the process died".
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, models
from django.utils import timezone


@contextmanager
def heartbeat(model: type[models.Model], row_id, *, every: float | None = None) -> Iterator[None]:
    interval = every if every is not None else settings.HEARTBEAT_SECONDS
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(interval):
                model.objects.filter(id=row_id, status="running").update(heartbeat_at=timezone.now())
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"heartbeat-{row_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=interval + 5)
