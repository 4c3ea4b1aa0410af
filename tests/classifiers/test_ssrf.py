"""Every way a person can make NanoWeb fetch an address — image links and a page's address, on the class
page and through the API, "try it" with a link, and predict by URL — refuses addresses inside a private
network (the server's own loopback, the cloud metadata address) without connecting, and says so in words.

Each case also runs with NANOWEB_ALLOW_PRIVATE_URLS on, where the same request does reach the stand-in
server: the refusal is the guard's doing, not a typo in the test's address.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from classifiers.models import Label, Photo
from tests.classifiers.api.conftest import trained, trained_once  # noqa: F401, F811 (fixtures)
from tests.fakes.images import photo
from tests.fakes.web import FakeWeb

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # one real training for the module

PRIVATE = "an address inside a private network; NanoWeb only fetches from the public internet."


@dataclass
class Person:
    browser: Client
    api: APIClient
    label: Label


@pytest.fixture
def ada(trained) -> Person:  # noqa: F811 - the fixture imported above
    """The owner of a really trained classifier (predict and "try it" answer only once there is a model)."""
    browser = Client()
    browser.force_login(trained.owner.user)
    return Person(browser, trained.owner.client, Label.objects.get(id=trained.labels["hat"]))


def text(response) -> str:
    return BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)


def api_url_import(ada: Person, url: str) -> str:
    response = ada.api.post(f"/api/v1/classifiers/{ada.label.classifier_id}/labels/{ada.label.id}/images/",
                            {"urls": [url]}, format="json")
    return response.json()["error"]["message"] if response.status_code >= 400 else "added"


def api_page_import(ada: Person, url: str) -> str:
    response = ada.api.post(f"/api/v1/classifiers/{ada.label.classifier_id}/labels/{ada.label.id}/images/",
                            {"page_url": url}, format="json")
    return response.json()["error"]["message"] if response.status_code >= 400 else "added"


def api_predict(ada: Person, url: str) -> str:
    response = ada.api.post(f"/api/v1/classifiers/{ada.label.classifier_id}/predict/", {"url": url}, format="json")
    return response.json()["error"]["message"] if response.status_code >= 400 else response.json()["label"]


def page_url_list(ada: Person, url: str) -> str:
    response = ada.browser.post(reverse("photos_urls", args=[ada.label.classifier_id, ada.label.id]), {"urls": url},
                                follow=True)
    report = BeautifulSoup(response.content, "html.parser").find(id=f"class-{ada.label.id}").find(class_="report")
    return report.get_text(" ", strip=True)


def page_page_import(ada: Person, url: str) -> str:
    response = ada.browser.post(reverse("photos_page", args=[ada.label.classifier_id, ada.label.id]),
                                {"page_url": url}, follow=True)
    return text(response)


def page_try_it(ada: Person, url: str) -> str:
    return text(ada.browser.post(reverse("classifier_try", args=[ada.label.classifier_id]), {"url": url}))


@dataclass(frozen=True)
class EntryPoint:
    name: str
    send: Callable[[Person, str], str]

    def __str__(self) -> str:
        return self.name


ENTRY_POINTS = [
    EntryPoint("API image links", api_url_import),
    EntryPoint("API page import", api_page_import),
    EntryPoint("API predict by URL", api_predict),
    EntryPoint("class page image links", page_url_list),
    EntryPoint("class page web page", page_page_import),
    EntryPoint("try it with a link", page_try_it),
]


@pytest.fixture
def web():
    with FakeWeb() as server:
        server.file("/photo.jpg", photo(0))
        server.file("/gallery.html", b'<html><body><img src="/photo.jpg" alt="a dress"></body></html>', "text/html")
        yield server


def target(entry: EntryPoint, web: FakeWeb, host: str = "127.0.0.1") -> str:
    path = "/gallery.html" if "page" in entry.name and "image" not in entry.name else "/photo.jpg"
    return web.url(path).replace("127.0.0.1", host)


@pytest.mark.parametrize("entry", ENTRY_POINTS, ids=str)
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "2130706433"])  # the last is 127.0.0.1 as a number
def test_an_address_on_the_servers_own_loopback_is_refused_without_connecting(ada, web, settings, entry, host):
    settings.ALLOW_PRIVATE_URLS = False
    seen = entry.send(ada, target(entry, web, host))
    assert f"{host} points to 127.0.0.1, {PRIVATE}" in seen
    assert web.requests == []
    assert Photo.objects.filter(label=ada.label).count() == 8


@pytest.mark.parametrize("entry", ENTRY_POINTS, ids=str)
def test_the_cloud_metadata_address_is_refused_in_words(ada, settings, entry):
    settings.ALLOW_PRIVATE_URLS = False
    seen = entry.send(ada, "http://169.254.169.254/latest/meta-data/iam/security-credentials/")
    assert f"169.254.169.254 points to 169.254.169.254, {PRIVATE}" in seen


@pytest.mark.parametrize("entry", ENTRY_POINTS, ids=str)
def test_with_private_addresses_allowed_the_same_request_reaches_the_server(ada, web, settings, entry):
    settings.ALLOW_PRIVATE_URLS = True
    entry.send(ada, target(entry, web))
    assert web.hits("/photo.jpg") == 1
