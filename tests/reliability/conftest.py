"""The reliability tests reuse the engine's classifiers of real photos (the stand-in web is tests/conftest.py's)."""

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from tests.classifiers.conftest import clothes, owner  # noqa: F401


@pytest.fixture
def shared_data_dir(settings) -> Path:
    """The worker and this test share one data folder: broker queue, photos and models."""
    if connection.vendor != "postgresql":
        pytest.skip("the worker shares the test database only on PostgreSQL (DATABASE_URL=postgres://...)")
    data_dir = Path(django_settings.DATA_DIR)
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": data_dir / "media"}}}
    settings.ARTIFACTS_DIR = data_dir / "models"
    return data_dir
