"""Turns for the heavy work a web request can cause: decoding uploaded pictures, fetching from other sites.

A web process has a few threads (gunicorn --threads 4). Were every one of them decoding a 7000 × 7000 PNG or
waiting on a server that trickles a byte a second, the process could not answer anything else, `/health/`
included. So a process works on at most HEAVY_AT_ONCE such requests, one person on at most one of them at a
time; a few more (HEAVY_WAITING) may wait their turn for up to HEAVY_WAIT_SECONDS, and the rest are told
in words that the site is busy, before any work is done. At least one thread is then always free.

Per process, in memory: each web process keeps its own threads free. Celery workers do not take turns:
their concurrency is their own setting.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Hashable, Iterator
from contextlib import contextmanager

from django.conf import settings

from nanoweb.errors import Unavailable

BUSY = ("NanoWeb is busy with other uploads and downloads right now, so nothing was done and nothing was "
        "saved. Please try again in a minute.")


class Busy(Unavailable):
    code = "busy"
    retry_after = 60  # "try again in a minute"


class Turns:
    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._working = 0
        self._waiting = 0
        self._by_person: Counter[Hashable] = Counter()

    @contextmanager
    def turn(self, who: Hashable) -> Iterator[None]:
        """Work inside the block once it is this request's turn; Busy (503) when the wait is too long."""
        with self._changed:
            if not self._free(who):
                if self._waiting >= settings.HEAVY_WAITING:
                    raise Busy(BUSY)
                self._waiting += 1
                try:
                    got = self._changed.wait_for(lambda: self._free(who), timeout=settings.HEAVY_WAIT_SECONDS)
                finally:
                    self._waiting -= 1
                if not got:
                    raise Busy(BUSY)
            self._working += 1
            self._by_person[who] += 1
        try:
            yield
        finally:
            with self._changed:
                self._working -= 1
                self._by_person[who] -= 1
                if self._by_person[who] <= 0:
                    del self._by_person[who]
                self._changed.notify_all()

    def _free(self, who: Hashable) -> bool:
        return self._working < settings.HEAVY_AT_ONCE and self._by_person[who] < 1


_turns = Turns()


def heavy_turn(who: Hashable):
    """The web process's turns: `with heavy_turn(user_id): ...` around a request's decoding or fetching."""
    return _turns.turn(who)
