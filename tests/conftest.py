"""Shared fixtures. Each test gets a fresh data folder so files never leak between tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_data_dir(settings, tmp_path: Path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ARTIFACTS_DIR = tmp_path / "models"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path / "media"}
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    return tmp_path


# The engine new classifiers get in tests, whatever NanoWeb's default (classifiers/ml/engine_choice.py): the
# one whose files every test data folder builds first and most tests train on. Another default's files (its
# export, an int8 twin's quantizing and check) cost about a minute on 2 cores in each fresh folder, and every
# worker a test starts warms up the default at once. tests/classifiers/api/test_end_to_end.py runs the real
# default instead; the engine-update tests set their own.
TEST_ENGINE = ("efficientnet-lite0", "float")


@pytest.fixture(autouse=True)
def test_engine(settings):
    settings.DEFAULT_BACKBONE, settings.DEFAULT_PRECISION = TEST_ENGINE
    return TEST_ENGINE


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate-limit and log-in counters live in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def web():
    """A running stand-in of the outside web on 127.0.0.1 (tests/fakes/web.py)."""
    from tests.fakes.web import FakeWeb

    with FakeWeb() as server:
        yield server


@pytest.fixture
def loopback_allowed(settings):
    """The stand-ins live on 127.0.0.1, which production refuses; these tests allow it explicitly."""
    settings.ALLOW_PRIVATE_URLS = True
    return settings


@pytest.fixture
def short_time_limits(settings):
    """Short fetch limits, so the stand-ins' slow and endless endpoints cost seconds, not minutes."""
    settings.FETCH_CONNECT_TIMEOUT = 2
    settings.FETCH_READ_TIMEOUT = 1
    settings.FETCH_TOTAL_TIMEOUT = 3
    settings.SEARCH_PROVIDER_TIMEOUT = 2
    return settings
