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


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate-limit and log-in counters live in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
