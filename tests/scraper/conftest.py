"""The scraper's tests run against the stand-in web (tests/conftest.py `web`) with short time limits."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def short_limits(short_time_limits):
    return short_time_limits
