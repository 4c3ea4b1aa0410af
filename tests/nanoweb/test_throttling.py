"""The rate limits' two-window count: exact while the previous period is empty, an even-spread estimate
across periods, and a cost per request that does not grow with the rate."""

from __future__ import annotations

import pickle

import pytest
from django.core.cache import caches

from nanoweb.throttling import WindowRateThrottle


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def throttle(rate: str, clock: Clock, key: str = "test-throttle") -> WindowRateThrottle:
    class Fixed(WindowRateThrottle):
        def get_rate(self) -> str:
            return rate

        def get_cache_key(self, request, view) -> str:
            return key

    made = Fixed()
    made.timer = clock
    return made


@pytest.fixture(autouse=True)
def empty_cache():
    caches["default"].clear()
    yield
    caches["default"].clear()


def asks(rate: str, clock: Clock, times: int) -> list[bool]:
    return [throttle(rate, clock).allow_request(None, None) for _ in range(times)]


def test_within_one_period_it_allows_exactly_the_rate_and_says_to_wait_for_the_next():
    clock = Clock(600.0 + 15)  # a quarter into a minute
    assert asks("3000/min", clock, 3001) == [True] * 3000 + [False]
    refused = throttle("3000/min", clock)
    assert refused.allow_request(None, None) is False
    assert refused.wait() == 45  # the rest of this minute


def test_the_previous_period_counts_by_the_share_of_it_still_inside_the_sliding_minute():
    clock = Clock(600.0 + 50)
    assert asks("10000/min", clock, 10000) == [True] * 10000
    clock.now = 660.0 + 30  # half-way into the next minute: the 10 count as 5
    assert asks("10000/min", clock, 5001) == [True] * 5000 + [False]
    refused = throttle("10000/min", clock)
    assert refused.allow_request(None, None) is False
    # 5,000 now + 10,000 * (1 - t) < 10,000 once t > 0.5 of this minute: a second from now, rounded up.
    assert 1 <= refused.wait() <= 2
    clock.now = 780.0 + 1  # two minutes on: both earlier minutes are gone
    assert all(asks("10000/min", clock, 9999))


def test_a_key_allowed_a_million_a_minute_keeps_two_small_numbers_not_every_request():
    clock = Clock(1200.0)
    for n in range(2000):
        clock.now = 1200.0 + n * 0.01
        assert throttle("1000000/min", clock).allow_request(None, None)
    stored = caches["default"].get("test-throttle:20")
    assert stored == 2000
    assert len(pickle.dumps(stored)) < 16  # DRF's own list would hold 2,000 times here


def test_each_key_counts_on_its_own():
    clock = Clock(600.0)
    assert asks("2000/min", clock, 2001)[-2:] == [True, False]
    other = throttle("2000/min", clock, key="someone-else")
    assert other.allow_request(None, None) is True


def test_tight_rates_keep_the_exact_sliding_list_across_the_end_of_a_period():
    clock = Clock(600.0 + 59.5)
    assert asks("2/min", clock, 1) == [True]
    clock.now = 660.0 + 0.5  # a new minute, one second after the first request
    assert asks("2/min", clock, 2) == [True, False]  # the estimate (1 x 0.99 + 1 < 2) would let a third in
