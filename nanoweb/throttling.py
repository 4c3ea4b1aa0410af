"""Rate limits whose cost per request does not grow with the rate.

DRF's SimpleRateThrottle keeps the time of every request of the last period in the cache and reads and
rewrites that whole list on each request. At the default 120 a minute that is a few hundred bytes; a key
allowed a million a minute (a busy shop's integration, or the load benchmark) rewrote tens of kilobytes on
every prediction, a tenth of a web thread's time in `benchmarks/predict_load.py`'s profile.

WindowRateThrottle keeps two counts instead: this period's and the previous one's, and weighs the previous
by the share of it that still lies inside the sliding period ending now (the estimate rate limiters in front
of large sites use). While the previous period is empty it counts exactly like a sliding log, so "3 a
minute" allows 3 and refuses the 4th; after that it is an estimate that assumes the previous period's
requests were spread evenly, so just after a period ends it can let a few more through than the rate.
Rates of up to EXACT_UP_TO requests a period keep DRF's exact list: it is small, and the tight limits
(making keys by password, 2 a minute in the tests) must be exact.
"""

from __future__ import annotations

import math

from rest_framework.throttling import SimpleRateThrottle

EXACT_UP_TO = 1000


class WindowRateThrottle(SimpleRateThrottle):
    """SimpleRateThrottle's rates, scopes, cache keys and settings, counted in two windows."""

    _wait: float | None = None  # seconds until allowed, when the two windows refused

    def allow_request(self, request, view) -> bool:
        self._wait = None
        if self.rate is None or self.num_requests <= EXACT_UP_TO:
            return super().allow_request(request, view)
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = self.timer()
        window, into = divmod(now / self.duration, 1)  # which period this is, and how far into it (0..1)
        current_key, previous_key = f"{self.key}:{int(window)}", f"{self.key}:{int(window) - 1}"
        counts = self.cache.get_many([current_key, previous_key])
        current, previous = counts.get(current_key, 0), counts.get(previous_key, 0)
        if previous * (1 - into) + current >= self.num_requests:
            self._wait = self._seconds_until_allowed(current, previous, into)
            return False
        # add() is atomic on every cache backend; incr() is atomic on Redis (on the file cache it is a read
        # and a write, as DRF's own list is).
        if not self.cache.add(current_key, 1, timeout=2 * self.duration):
            try:
                self.cache.incr(current_key)
            except ValueError:  # expired between add() and incr()
                self.cache.set(current_key, 1, timeout=2 * self.duration)
        return True

    def _seconds_until_allowed(self, current: int, previous: int, into: float) -> float:
        """When the weighted count drops under the rate again, if nobody else asks meanwhile."""
        if current < self.num_requests and previous:
            # previous * (1 - t) + current < rate  <=>  t > 1 - (rate - current) / previous
            at = 1 - (self.num_requests - current) / previous
            return max(0.0, at - into) * self.duration
        # This period alone is full: wait for the next, where this one counts as the previous.
        at = 1 - self.num_requests / current if current else 0.0
        return (1 - into + max(0.0, at)) * self.duration

    def wait(self) -> float | None:
        if self._wait is None:
            return super().wait()
        return max(1, math.ceil(self._wait))
