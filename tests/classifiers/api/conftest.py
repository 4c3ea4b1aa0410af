"""Two people, each with an API key, and an API client for each of them and for nobody."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.base import ContentFile
from PIL import Image
from rest_framework.test import APIClient

from classifiers.models import Example, Label
from nanoweb.api_auth import api_key_create

PASSWORD = "correct-horse-battery-9"


@dataclass
class Person:
    user: object
    key: str
    client: APIClient


def make_person(username: str) -> Person:
    user = get_user_model().objects.create_user(username, f"{username}@example.org", PASSWORD)
    _, secret = api_key_create(user=user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return Person(user=user, key=secret, client=client)


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    # Rate-limit counters live in the cache, which outlives a test; every test starts with none used.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def ada(db) -> Person:
    return make_person("ada")


@pytest.fixture
def bob(db) -> Person:
    return make_person("bob")


@pytest.fixture
def nobody() -> APIClient:
    return APIClient()


def jpeg_bytes(color: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def example_create(label: Label, color: tuple[int, int, int] = (200, 30, 30)) -> Example:
    """An example photo saved the way imports save them (a real JPEG in storage), without the importer."""
    data = jpeg_bytes(color)
    example = Example(
        label=label, sha256=hashlib.sha256(data).hexdigest(), width=64, height=48, original_name="red.jpg"
    )
    example.image.save("red.jpg", ContentFile(data), save=False)
    example.save()
    return example
