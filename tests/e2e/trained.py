"""Classifiers trained for real, in this process, on the photos of hats and shoes in tests/data/e2e, and a
browser context logged in as their owner: for the browser tests that need a model that answers."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client

from classifiers.models import Classifier
from classifiers.services.catalog import classifier_create
from classifiers.services.training import training_run_create, training_run_execute
from classifiers.services.uploads import photos_add_uploads
from tests.e2e.conftest import PHOTOS

# Photos to train on; hat-0033 and shoes-0032 are kept back, never trained on.
TRAIN = {"hat": range(21, 30), "shoes": range(20, 29)}


def shop_owner(username: str = "ada"):
    return get_user_model().objects.create_user(username, f"{username}@example.org", "a long enough password 7")


def train_now(classifier: Classifier) -> Classifier:
    """One training run, run here rather than queued (the caller stops job_send), to the end."""
    with transaction.atomic():
        run = training_run_create(classifier=classifier)
    assert training_run_execute(run_id=run.id).status == "succeeded"
    classifier.refresh_from_db()
    return classifier


def hats_or_shoes(owner) -> Classifier:
    classifier = classifier_create(owner=owner, name="Hats or shoes", label_names=list(TRAIN))
    for name, numbers in TRAIN.items():
        photos_add_uploads(label=classifier.labels.get(name=name), files=[
            SimpleUploadedFile(f"{name}-{n:04d}.jpg", (PHOTOS / f"{name}-{n:04d}.jpg").read_bytes()) for n in numbers])
    return train_now(classifier)


def log_in(context, base_url: str, user) -> None:
    """The browser context gets `user`'s session cookie for `base_url`, as after logging in."""
    client = Client()
    client.force_login(user)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base_url}])
