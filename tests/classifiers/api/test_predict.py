"""Predictions through the API: one file, several, a URL or several; errors that say which image and why."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.classifiers.api.conftest import objects_of
from tests.fakes.web import FakeWeb

pytestmark = pytest.mark.django_db


def predict_url(trained) -> str:
    return f"/api/v1/classifiers/{trained.classifier_id}/predict/"


def upload(path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes(), content_type="image/jpeg")


def test_it_names_the_class_of_a_photo_it_never_saw(trained):
    for name, path in trained.held_out.items():
        response = trained.owner.client.post(predict_url(trained), {"file": upload(path)}, format="multipart")
        assert response.status_code == 200
        answer = response.json()
        assert answer["label"] == name
        assert answer["name"] == path.name
        assert set(answer["probabilities"]) == {"hat", "shoes"}
        assert answer["confidence"] == max(answer["probabilities"].values())
        assert isinstance(answer["unknown"], bool) and answer["version"] == 1


def test_several_files_get_a_list_in_the_order_sent(trained):
    paths = [trained.held_out["shoes"], trained.held_out["hat"]]
    response = trained.owner.client.post(
        predict_url(trained), {"files": [upload(p) for p in paths]}, format="multipart"
    )
    assert response.status_code == 200
    assert [(a["name"], a["label"]) for a in response.json()] == [(paths[0].name, "shoes"), (paths[1].name, "hat")]


def test_a_single_file_sent_as_files_still_gets_a_list(trained):
    response = trained.owner.client.post(
        predict_url(trained), {"files": [upload(trained.held_out["hat"])]}, format="multipart"
    )
    assert isinstance(response.json(), list) and len(response.json()) == 1


def test_it_predicts_from_urls_through_the_guarded_downloader(trained, settings):
    settings.ALLOW_PRIVATE_URLS = True  # the stand-in for the web listens on 127.0.0.1
    with FakeWeb() as web:
        hat = web.file("/hat.jpg", trained.held_out["hat"].read_bytes())
        shoes = web.file("/shoes.jpg", trained.held_out["shoes"].read_bytes())
        one = trained.owner.client.post(predict_url(trained), {"url": hat}, format="json")
        many = trained.owner.client.post(predict_url(trained), {"urls": [shoes, hat]}, format="json")
    assert (one.json()["name"], one.json()["label"]) == (hat, "hat")
    assert [(a["name"], a["label"]) for a in many.json()] == [(shoes, "shoes"), (hat, "hat")]


def test_a_url_on_a_private_address_is_refused_without_being_fetched(trained, settings):
    settings.ALLOW_PRIVATE_URLS = False
    with FakeWeb() as web:
        url = web.file("/hat.jpg", trained.held_out["hat"].read_bytes())
        response = trained.owner.client.post(predict_url(trained), {"url": url}, format="json")
        assert web.hits("/hat.jpg") == 0
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["details"]["url"] == url
    assert error["message"].startswith(f"{url}: ")


def test_a_url_that_is_not_an_image_says_so(trained, settings):
    settings.ALLOW_PRIVATE_URLS = True
    with FakeWeb() as web:
        url = web.file("/notes.txt", b"not a picture at all", "text/plain")
        response = trained.owner.client.post(predict_url(trained), {"urls": [url]}, format="json")
    assert response.status_code in (400, 415)
    assert response.json()["error"]["details"]["url"] == url


def test_a_non_image_among_files_is_a_415_naming_it(trained):
    files = [upload(trained.held_out["hat"]), SimpleUploadedFile("notes.jpg", b"shopping list", "image/jpeg")]
    response = trained.owner.client.post(predict_url(trained), {"files": files}, format="multipart")
    assert response.status_code == 415
    error = response.json()["error"]
    assert error["code"] == "unsupported_media_type"
    assert error["details"] == {"index": 1, "name": "notes.jpg"}
    assert error["message"].startswith("Image 2 of 2: ")


def test_an_empty_file_is_refused_in_words(trained):
    response = trained.owner.client.post(
        predict_url(trained), {"file": SimpleUploadedFile("empty.jpg", b"")}, format="multipart"
    )
    assert response.status_code in (400, 415)
    assert response.json()["error"]["message"]


def test_predicting_before_any_training_is_a_409(ada):
    classifier = ada.client.post("/api/v1/classifiers/", {"name": "new", "labels": ["a", "b"]}, format="json").json()
    response = ada.client.post(
        f"/api/v1/classifiers/{classifier['id']}/predict/", {"url": "http://x/y.jpg"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["message"].startswith("This classifier has no trained version yet")


def test_sending_nothing_says_what_to_send(trained):
    response = trained.owner.client.post(predict_url(trained), {}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["details"]["fields"] == {
        "file": ["Send an image as 'file' (or several as 'files'), or its address as 'url' (or 'urls')."]
    }


def test_more_than_32_images_at_once_is_a_400_before_anything_is_fetched(trained):
    response = trained.owner.client.post(
        predict_url(trained), {"urls": [f"http://127.0.0.1:9/{n}.jpg" for n in range(33)]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid",
        "message": "At most 32 images a request.",
        "details": {"field": "urls"},
    }


def test_a_version_whose_model_files_are_gone_is_a_503_that_says_what_to_do(ada):
    world = objects_of(ada)  # version 1 is active, but no model files were ever written for it
    response = ada.client.post(
        f"/api/v1/classifiers/{world['classifier_id']}/predict/", {"url": "http://x/y.jpg"}, format="json"
    )
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "unavailable"
    assert error["message"].startswith("The model files of version 1 cannot be read")
    export = ada.client.get(f"/api/v1/classifiers/{world['classifier_id']}/export/")
    assert export.status_code == 503
