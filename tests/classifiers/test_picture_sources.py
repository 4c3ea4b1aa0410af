"""images_from_request: try-it and the API's predict get their pictures the same way — a file's bytes as
sent, an image link's through the guarded downloader — each with its own fields, limits and words."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.urls import reverse

from classifiers.api.views import predict as api_predict
from classifiers.models import Classifier
from classifiers.picture_sources import images_from_request
from classifiers.views import tryit
from nanoweb.errors import ServiceError, TooLarge
from scraper.images import normalise_image
from tests.classifiers.api.conftest import make_person
from tests.classifiers.conftest import photos
from tests.fakes.web import FakeWeb

pytestmark = pytest.mark.django_db

ANSWER = {"label": "hat", "confidence": 1.0, "unknown": False, "unknown_score": 0.0, "probabilities": {"hat": 1.0}}


@pytest.fixture
def surfaces(monkeypatch):
    """Posts to try-it and to the API for one classifier; returns the bytes each surface asked predictions for."""
    person = make_person("ada")
    browser = Client()
    browser.force_login(person.user)
    classifier = Classifier.objects.create(owner=person.user, name="Clothes")
    seen: dict[str, list[bytes]] = {"try-it": [], "api": []}

    def recording(surface):
        def predict_images(*, classifier, images, version_number=None):
            seen[surface].extend(images)
            return [{**ANSWER, "version": 1} for _ in images]

        return predict_images

    monkeypatch.setattr(tryit, "predict_images", recording("try-it"))
    monkeypatch.setattr(api_predict, "predict_images", recording("api"))

    def post(*, file: bytes | None = None, url: str | None = None) -> dict[str, list[bytes]]:
        for images in seen.values():
            images.clear()
        if file is not None:
            page = browser.post(reverse("classifier_try", args=[classifier.id]),
                                {"image": SimpleUploadedFile("hat.jpg", file)}, HTTP_ACCEPT="application/json")
            api = person.client.post(f"/api/v1/classifiers/{classifier.id}/predict/",
                                     {"file": SimpleUploadedFile("hat.jpg", file)}, format="multipart")
        else:
            page = browser.post(reverse("classifier_try", args=[classifier.id]), {"url": url},
                                HTTP_ACCEPT="application/json")
            api = person.client.post(f"/api/v1/classifiers/{classifier.id}/predict/", {"url": url}, format="json")
        assert (page.status_code, api.status_code) == (200, 200), (page.content, api.content)
        return seen

    return post


def test_it_gives_try_it_and_the_api_a_files_bytes_as_sent(surfaces):
    data = photos("clothing", "hat")[0].read_bytes()
    seen = surfaces(file=data)
    assert seen["try-it"] == seen["api"] == [data]


def test_it_gives_try_it_and_the_api_the_same_bytes_for_a_url(surfaces, settings):
    settings.ALLOW_PRIVATE_URLS = True  # the stand-in for the web listens on 127.0.0.1
    data = photos("clothing", "hat")[1].read_bytes()
    with FakeWeb() as web:
        seen = surfaces(url=web.file("/hat.jpg", data))
    assert seen["try-it"] == seen["api"] == [normalise_image(data).jpeg]


def multipart(**files) -> object:
    return RequestFactory().post("/", {name: value for name, value in files.items()})


def three_files() -> object:
    return multipart(file=SimpleUploadedFile("a.jpg", b"a"),
                     files=[SimpleUploadedFile("b.jpg", b"b"), SimpleUploadedFile("c.jpg", b"c")])


def test_it_takes_the_files_of_each_field_in_order_and_never_asks_for_urls_then():
    def no_urls():
        raise AssertionError("asked for URLs although files were sent")

    pictures = images_from_request(three_files(), file_fields=("file", "files"), urls=no_urls)
    assert pictures == [("a.jpg", b"a"), ("b.jpg", b"b"), ("c.jpg", b"c")]
    # A form with one file input: the last file of the field, as request.FILES.get gives.
    assert images_from_request(three_files(), file_fields=("files",), urls=no_urls, single=True) == [("c.jpg", b"c")]


def test_it_refuses_a_file_over_the_limit_in_words():
    request = multipart(image=SimpleUploadedFile("big.jpg", b"x" * 3 * 1048576))
    with pytest.raises(TooLarge, match=r"This file is 3\.0 MB; the limit is 2 MB\."):
        images_from_request(request, file_fields=("image",), urls=list, max_file_bytes=2 * 1048576)


def test_it_gives_nothing_when_nothing_was_sent():
    assert images_from_request(multipart(), file_fields=("image",), urls=list) == []


def test_it_names_the_url_in_a_download_error_only_when_asked(settings):
    settings.ALLOW_PRIVATE_URLS = False
    url = "http://127.0.0.1:9/photo.jpg"
    with pytest.raises(ServiceError) as plain:
        images_from_request(multipart(), file_fields=(), urls=lambda: [url])
    with pytest.raises(ServiceError) as named:
        images_from_request(multipart(), file_fields=(), urls=lambda: [url], name_urls_in_errors=True)
    assert named.value.message == f"{url}: {plain.value.message}"
    assert named.value.details["url"] == url
