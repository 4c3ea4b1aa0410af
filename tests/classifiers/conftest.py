"""Classifiers built from the real photos in tests/data/engine (see its NOTICE), for the engine's tests.

Fixtures here are opt-in (none is autouse), so the API tests beside them are unaffected.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from PIL import Image

from classifiers.models import Classifier, Label, Photo, Worker

ENGINE_DATA = Path(__file__).resolve().parent.parent / "data" / "engine"


def photos(set_name: str, label: str, count: int | None = None) -> list[Path]:
    files = sorted((ENGINE_DATA / set_name / label).glob("*.jpg"))
    return files[:count] if count else files


def add_photo(label: Label, path: Path, **fields) -> Photo:
    data = path.read_bytes()
    with Image.open(path) as image:
        width, height = image.size
    photo = Photo(label=label, sha256=hashlib.sha256(data).hexdigest(), width=width, height=height, **fields)
    photo.image.save(path.name, ContentFile(data), save=True)
    return photo


def make_classifier(owner, classes: dict[str, list[Path]], **fields) -> Classifier:
    classifier = Classifier.objects.create(owner=owner, name=fields.pop("name", "Clothes"), **fields)
    for name, files in classes.items():
        label = Label.objects.create(classifier=classifier, name=name)
        for path in files:
            add_photo(label, path)
    return classifier


def worker_row(*, node: str = "celery@test", ago: float = 1, **fields) -> Worker:
    """The row a worker writes about itself (classifiers/services/workers.py): by default one that reported
    `ago` seconds ago, has both processes free and answered its last ping."""
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    seen = now - timedelta(seconds=ago)
    values = {"instance": f"instance-of-{node}", "host": "test", "pid": 1, "concurrency": 2, "started_at": seen,
              "seen_at": seen, "active": 0, "idle_since": seen, "ping_sent_at": None, "answered_at": seen, **fields}
    return Worker.objects.create(node=node, **values)


@pytest.fixture
def owner(db):
    return get_user_model().objects.create_user("engine-owner", "owner@example.org", "a-long-password-1")


@pytest.fixture
def clothes(owner) -> Classifier:
    """Shoes, hats and trousers: 12 photos each (the other 4 of each class are kept for testing)."""
    return make_classifier(owner, {name: photos("clothing", name)[:12] for name in ("shoes", "hat", "pants")})
