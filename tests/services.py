"""Reachability of the real services the tests need. In CI (NANOWEB_REQUIRE_SERVICES=1) a missing service
fails the run; elsewhere the tests that need it are skipped with the reason."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest

REDIS_URL = os.environ.get("NANOWEB_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def require(url: str, default_port: int, what: str) -> None:
    if reachable(url, default_port):
        return
    message = f"{what} is not reachable at {url}"
    if os.environ.get("NANOWEB_REQUIRE_SERVICES") == "1":
        pytest.fail(message + " (required: NANOWEB_REQUIRE_SERVICES=1)")
    pytest.skip(message)


def require_redis() -> str:
    require(REDIS_URL, 6379, "Redis")
    return REDIS_URL
