"""Slow down password guessing: after a few failed log-ins for one username from one address, refuse
further tries for a while. Counters live in the cache (shared by all web processes when it is Redis)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle


def client_address(request: HttpRequest) -> str:
    """The client's address by the API rate limits' rule (NANOWEB_TRUSTED_PROXIES), so that behind a proxy
    one person's failures do not lock everyone out, and without one a forged X-Forwarded-For changes nothing."""
    return BaseThrottle().get_ident(request) or ""


def _key(request: HttpRequest, username: str) -> str:
    address = client_address(request)
    digest = hashlib.sha256(f"{address}|{username.strip().casefold()}".encode()).hexdigest()
    return f"login-failures:{digest}"


def login_is_blocked(request: HttpRequest, username: str) -> bool:
    return cache.get(_key(request, username), 0) >= settings.LOGIN_FAILURE_LIMIT


def login_failure_record(request: HttpRequest, username: str) -> None:
    key = _key(request, username)
    # add() only sets a missing key, so the window starts at the first failure and is not extended.
    cache.add(key, 0, timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def login_failures_clear(request: HttpRequest, username: str) -> None:
    cache.delete(_key(request, username))
