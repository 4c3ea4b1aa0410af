"""Fixtures for the workflows that make photos: short fetch limits against the stand-in web
(tests/conftest.py `web`), and a classifier with two classes."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def short_limits(short_time_limits):
    return short_time_limits


@pytest.fixture
def classifier(db, django_user_model):
    from classifiers.services.catalog import classifier_create

    owner = django_user_model.objects.create_user(username="ada", password="a long enough password 1")
    return classifier_create(owner=owner, name="Clothes", label_names=["dress", "hat"])


@pytest.fixture
def dress(classifier):
    return classifier.labels.get(name="dress")


@pytest.fixture
def hat(classifier):
    return classifier.labels.get(name="hat")
