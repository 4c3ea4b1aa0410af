"""Two people, each with an API key, and an API client for each of them and for nobody."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image
from rest_framework.test import APIClient

from accounts.models import ApiKey
from accounts.services import api_key_create
from classifiers.models import Classifier, Label, ModelVersion, Photo, SearchJob, ShareLink, TrainingRun, Webhook
from classifiers.services.catalog import classifier_create
from tests.classifiers.prediction_log import answer, log
from tests.conftest import TEST_ENGINE

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


@pytest.fixture
def label(ada) -> Label:
    """The first class of a fresh classifier of Ada's."""
    return classifier_create(owner=ada.user, name="Clothes", label_names=["red dress", "hat"]).labels.first()


def jpeg_bytes(color: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def photo_create(label: Label, color: tuple[int, int, int] = (200, 30, 30)) -> Photo:
    """An example photo saved the way imports save them (a real JPEG in storage), without the importer."""
    data = jpeg_bytes(color)
    photo = Photo(
        label=label, sha256=hashlib.sha256(data).hexdigest(), width=64, height=48, original_name="red.jpg"
    )
    photo.image.save("red.jpg", ContentFile(data), save=False)
    photo.save()
    return photo


def objects_of(person: Person) -> dict[str, object]:
    """One of everything the API has an id for, owned by `person`, made as rows (nothing trained): a
    classifier with two classes, a photo, version 1 (active) and its run, a search job, a logged answer, and
    the person's key. Keyed by the API's path parameter names."""
    classifier = Classifier.objects.create(owner=person.user, name=f"{person.user.username}'s dresses")
    label = Label.objects.create(classifier=classifier, name="blue-black dress")
    Label.objects.create(classifier=classifier, name="white-gold dress")
    photo = photo_create(label)
    version = ModelVersion.objects.create(
        classifier=classifier,
        number=1,
        artifact="none",
        backbone="b",
        labels=[{"id": str(label.id), "name": label.name}],
    )
    run = TrainingRun.objects.create(classifier=classifier, status="succeeded", version=version)
    Classifier.objects.filter(id=classifier.id).update(active_version=version)
    job = SearchJob.objects.create(label=label, query="dress", requested=10, status="succeeded")
    [logged] = log(answer(classifier, label=label.name, picture=jpeg_bytes(size=(96, 96))))
    return {
        "prediction_id": logged.id,
        "classifier_id": classifier.id,
        "label_id": label.id,
        "image_id": photo.id,
        "run_id": run.id,
        "job_id": job.id,
        "key_id": ApiKey.objects.get(user=person.user).id,
        "number": 1,
        # Issue 18: a share link and a webhook.
        "link_id": ShareLink.objects.create(classifier=classifier, token=f"t-{classifier.id}").id,
        "webhook_id": Webhook.objects.create(classifier=classifier, url="https://example.org/hook", secret="s",
                                             events=["training.finished"]).id,
    }


E2E_PHOTOS = Path(__file__).resolve().parents[2] / "data" / "e2e"  # real photos, see the NOTICE there


def e2e_photos(label: str) -> list[Path]:
    return sorted(E2E_PHOTOS.glob(f"{label}-*.jpg"))


@dataclass
class Trained:
    owner: Person
    classifier_id: str
    labels: dict[str, str]  # name -> id
    held_out: dict[str, Path]  # name -> a photo of that class the model never saw
    run_id: str


def train_now(person: Person, classifier_id: str) -> str:
    """POST .../train/ as a client does, then run the queued run here, with the very function the worker's
    task calls (the queue itself is covered by the end-to-end test)."""
    from classifiers.services.training import training_run_execute

    response = person.client.post(f"/api/v1/classifiers/{classifier_id}/train/")
    assert response.status_code == 202, response.content
    run_id = response.json()["id"]
    training_run_execute(run_id=run_id)
    return run_id


def hat_or_shoes_trained(owner: Person) -> Trained:
    """A "hat or shoes" classifier of `owner`'s, trained through the API on 8 real photos a class, the 9th
    of each held out. Training runs here (see train_now): the caller replaces job_send."""
    body = owner.client.post(
        "/api/v1/classifiers/", {"name": "Hat or shoes", "labels": ["hat", "shoes"]}, format="json"
    ).json()
    labels = {label["name"]: label["id"] for label in body["labels"]}
    held_out = {}
    for name, label_id in labels.items():
        *training, held_out[name] = e2e_photos(name)[:9]
        files = [SimpleUploadedFile(p.name, p.read_bytes(), content_type="image/jpeg") for p in training]
        added = owner.client.post(
            f"/api/v1/classifiers/{body['id']}/labels/{label_id}/images/", {"files": files}, format="multipart"
        )
        assert added.status_code == 201, added.content
    run_id = train_now(owner, body["id"])
    return Trained(owner=owner, classifier_id=body["id"], labels=labels, held_out=held_out, run_id=run_id)


def data_settings(folder: Path) -> dict:
    return {
        "MEDIA_ROOT": folder / "media",
        "ARTIFACTS_DIR": folder / "models",
        "STORAGES": {
            **django_settings.STORAGES,
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": folder / "media"},
            },
        },
    }


@pytest.fixture(scope="module")
def trained_once(django_db_setup, django_db_blocker, tmp_path_factory):
    """A "hat or shoes" classifier trained on 8 real photos a class through the API, once per test module:
    training takes seconds to tens of seconds, too long to repeat for every test. Committed, so each test's
    transaction sees it and rolls its own changes back; deleted at the end of the module."""
    folder = tmp_path_factory.mktemp("trained")
    # Module-scoped, so made before the function-scoped autouse fixture pins the tests' engine: pinned here too.
    engine = {"DEFAULT_BACKBONE": TEST_ENGINE[0], "DEFAULT_PRECISION": TEST_ENGINE[1]}
    with (django_db_blocker.unblock(), override_settings(**data_settings(folder), **engine),
          pytest.MonkeyPatch.context() as mp):
        # Run the training here instead of through the queue (the end-to-end test covers the queue).
        mp.setattr("classifiers.services.jobs.job_send", lambda **task: None)
        world = hat_or_shoes_trained(make_person("trainer"))
    yield world, folder
    with django_db_blocker.unblock():
        world.owner.user.delete()


@pytest.fixture
def trained(trained_once, settings) -> Trained:
    world, folder = trained_once
    for name, value in data_settings(folder).items():
        setattr(settings, name, value)
    return world
