"""Every failure leaves the API in one JSON shape, {"error": {"code", "message", "details"?}}."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

pytestmark = pytest.mark.django_db

CLASSIFIERS = "/api/v1/classifiers/"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nothing-here/",
        "/api/v1/classifiers/not-a-uuid/",
        "/api/v1/classifiers/00000000-0000-0000-0000-000000000000/labels/xyz/",
        "/api/v2/classifiers/",
    ],
)
def test_an_unknown_api_path_is_a_json_404(ada, path):
    response = ada.client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == "not_found"
    assert path in error["message"]


def test_a_missing_classifier_is_a_404_that_says_what_was_looked_for(ada):
    missing = "00000000-0000-0000-0000-000000000000"
    response = ada.client.get(f"{CLASSIFIERS}{missing}/")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": f"You have no classifier with id {missing}."}}


def test_a_method_the_endpoint_does_not_take_is_a_405(ada):
    response = ada.client.put(CLASSIFIERS, {}, format="json")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert "PUT" in response.json()["error"]["message"]


def test_broken_json_is_a_400_that_says_the_body_could_not_be_read(ada):
    response = ada.client.generic("POST", CLASSIFIERS, b'{"name": "x",', content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "parse_error"
    assert error["message"].startswith("The request body could not be read: JSON parse error")


def test_a_body_type_the_api_does_not_read_is_a_415(ada):
    response = ada.client.generic("POST", CLASSIFIERS, b"name=x", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_a_json_body_that_is_not_an_object_says_so(ada):
    response = ada.client.generic("POST", CLASSIFIERS, json.dumps(["x"]), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "Invalid data. Expected a dictionary" in response.json()["error"]["message"]


def test_a_body_over_the_upload_limit_is_a_413_even_when_django_notices_it_first(ada, settings):
    # The middleware refuses by Content-Length; this is the second line, Django's own check while parsing.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = ada.client.post(CLASSIFIERS, {"name": "x" * 500}, format="json")
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "too_large"
    assert error["details"] == {"limit_bytes": settings.MAX_UPLOAD_BYTES}


def test_too_many_files_in_one_request_is_a_400_that_says_the_limit(ada, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    files = [("f.jpg", b"x"), ("g.jpg", b"y"), ("h.jpg", b"z")]
    response = ada.client.post(
        CLASSIFIERS,
        {"name": "x", "files": [SimpleUploadedFile(name, data) for name, data in files]},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "too_many_files",
        "message": "Too many files in one request; send at most 2 at a time.",
    }


def test_an_unexpected_failure_is_a_500_in_the_error_shape_and_is_logged(ada, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("classifiers.api.views.catalog.classifier_create", broken)
    response = ada.client.post(CLASSIFIERS, {"name": "x"}, format="json")
    assert response.status_code == 500
    assert response.json() == {
        "error": {"code": "server_error", "message": "Something went wrong on our side. It has been logged."}
    }
    assert "disk on fire" not in response.content.decode()
    assert any("disk on fire" in str(record.exc_info) for record in caplog.records)
