"""Two people with a browser session each, and real photos from tests/data."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from classifiers.models import Classifier, Photo
from classifiers.services.catalog import classifier_create
from classifiers.services.uploads import photos_add_uploads

PHOTOS = Path(__file__).resolve().parents[2] / "data" / "e2e"


def photo_bytes(name: str) -> bytes:
    return (PHOTOS / name).read_bytes()


def photo_upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, photo_bytes(name), content_type="image/jpeg")


def person(username: str) -> tuple[object, Client]:
    user = get_user_model().objects.create_user(username, f"{username}@example.org", "correct-horse-battery-9")
    client = Client()
    client.force_login(user)
    return user, client


@pytest.fixture
def ada(db):
    return person("ada")


@pytest.fixture
def worker_takes_tasks(db):
    """A worker that reported itself a moment ago and whose pool answers, as under `make run`."""
    from tests.classifiers.conftest import worker_row

    return worker_row()


@pytest.fixture
def bob(db):
    return person("bob")


@pytest.fixture
def hats_and_shoes(ada) -> Classifier:
    """Ada's classifier with two classes and three real photos each."""
    classifier = classifier_create(owner=ada[0], name="Hats or shoes", label_names=["hat", "shoes"])
    hat, shoes = classifier.labels.order_by("name")
    photos_add_uploads(label=hat, files=[photo_upload(f"hat-00{i}.jpg") for i in (21, 22, 23)])
    photos_add_uploads(label=shoes, files=[photo_upload(f"shoes-00{i}.jpg") for i in (20, 21, 22)])
    assert Photo.objects.filter(label__classifier=classifier).count() == 6
    return classifier
