"""Fixtures for the scraper tests: a running stand-in web on 127.0.0.1, short time limits so the slow and
endless endpoints cost seconds not minutes, and a classifier with two classes."""

from __future__ import annotations

import pytest

from tests.fakes.web import FakeWeb


@pytest.fixture
def web():
    with FakeWeb() as server:
        yield server


@pytest.fixture
def loopback_allowed(settings):
    """The stand-ins live on 127.0.0.1, which production refuses; these tests allow it explicitly."""
    settings.ALLOW_PRIVATE_URLS = True
    return settings


@pytest.fixture(autouse=True)
def short_time_limits(settings):
    settings.FETCH_CONNECT_TIMEOUT = 2
    settings.FETCH_READ_TIMEOUT = 1
    settings.FETCH_TOTAL_TIMEOUT = 3
    settings.SEARCH_PROVIDER_TIMEOUT = 2
    return settings


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
