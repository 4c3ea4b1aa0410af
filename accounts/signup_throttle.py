"""Sign-up is open to anyone: one address may create only a few accounts in a while, so nobody scripts
thousands of them (each may upload and train). Counters live in the cache, like the log-in throttle's."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from accounts.login_throttle import client_address


def _key(request: HttpRequest) -> str:
    return "signups:" + hashlib.sha256(client_address(request).encode()).hexdigest()


def signup_is_blocked(request: HttpRequest) -> bool:
    return cache.get(_key(request), 0) >= settings.SIGNUP_LIMIT


def signup_record(request: HttpRequest) -> None:
    key = _key(request)
    # add() only sets a missing key, so the window starts at the first sign-up and is not extended.
    cache.add(key, 0, timeout=settings.SIGNUP_WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=settings.SIGNUP_WINDOW_SECONDS)
