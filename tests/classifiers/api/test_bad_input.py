"""Bad input through the API: each bad or odd file of issue 7 sent as a multipart upload next to a good
photo (the good one is always kept, the bad one listed with its reason), sent alone (the status says what
kind of refusal it is), and class names with unicode, emoji, 300 characters, twins, HTML and script."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from classifiers.models import Label, Photo
from classifiers.services.catalog import classifier_create
from tests.bad_uploads import ODD, REFUSED, Odd, Refused
from tests.fakes.images import photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def label(ada):
    return classifier_create(owner=ada.user, name="Clothes", label_names=["dress", "hat"]).labels.get(name="dress")


def images_url(label) -> str:
    return f"/api/v1/classifiers/{label.classifier_id}/labels/{label.id}/images/"


def a_file(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.mark.parametrize("bad", REFUSED, ids=str)
def test_a_bad_file_is_listed_with_its_reason_and_the_good_photo_beside_it_is_kept(ada, label, bad: Refused):
    response = ada.client.post(
        images_url(label), {"files": [a_file("good.jpg", photo(0)), a_file(bad.name, bad.data())]}, format="multipart"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert "good.jpg" in [item["original_name"] for item in body["added"]]
    assert len(body["added"]) == 1 + bad.kept_inside
    refusal = next(item for item in body["rejected"] if item["name"] == bad.listed_as)
    assert (refusal["code"], refusal["reason"]) == (bad.code, bad.reason)
    assert label.photos.count() == 1 + bad.kept_inside


@pytest.mark.parametrize("bad", [b for b in REFUSED if not b.kept_inside], ids=str)
def test_a_bad_file_sent_alone_is_refused_with_a_status_and_the_reason_in_words(ada, label, bad: Refused):
    response = ada.client.post(images_url(label), {"files": [a_file(bad.name, bad.data())]}, format="multipart")
    assert response.status_code == bad.alone_status, response.content
    error = response.json()["error"]
    assert error["message"] == f"None of the files was added. {bad.listed_as}: {bad.reason}"
    assert error["details"]["rejected"] == [{"name": bad.listed_as, "code": bad.code, "reason": bad.reason}]
    assert not label.photos.exists()


@pytest.mark.parametrize("odd", ODD, ids=str)
def test_an_odd_picture_is_kept_and_served_back_as_a_plain_upright_rgb_jpeg(ada, label, odd: Odd):
    response = ada.client.post(images_url(label), {"files": [a_file(odd.name, odd.data())]}, format="multipart")
    assert response.status_code == 201, response.content
    [added] = response.json()["added"]
    served = ada.client.get(added["url"])
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    odd.verify(b"".join(served.streaming_content))


def test_one_request_with_every_bad_and_odd_file_keeps_every_picture(ada, label):
    files = [a_file("good.jpg", photo(0))]
    files += [a_file(bad.name, bad.data()) for bad in REFUSED]
    files += [a_file(odd.name, odd.data()) for odd in ODD]
    response = ada.client.post(images_url(label), {"files": files}, format="multipart")
    assert response.status_code == 201
    body = response.json()
    kept = sorted(item["original_name"] for item in body["added"])
    assert kept == sorted(["good.jpg", "ok.jpg", "00000.jpg"] + [odd.name for odd in ODD])
    listed = {item["name"]: item["code"] for item in body["rejected"]}
    assert {bad.listed_as: bad.code for bad in REFUSED}.items() <= listed.items()


# --- Class names --------------------------------------------------------------------------------------


def classifiers_url() -> str:
    return "/api/v1/classifiers/"


@pytest.mark.parametrize(
    "name",
    [
        "Ünïcödé façade 中文 ελληνικά",
        "🐱 cat 🐈‍⬛",
        "<b>bold</b> & <i>'quoted'</i>",
        "<img src=x onerror=alert(1)><script>alert(1)</script>",
    ],
)
def test_a_class_name_in_any_script_or_with_markup_is_kept_exactly_as_written(ada, name):
    response = ada.client.post(classifiers_url(), {"name": name, "labels": [name, "other"]}, format="json")
    assert response.status_code == 201
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"  # never sniffed into HTML by a browser
    assert response.json()["name"] == name
    classifier_id = response.json()["id"]
    labels = ada.client.get(f"{classifiers_url()}{classifier_id}/labels/").json()["results"]
    assert name in [label["name"] for label in labels]
    assert Label.objects.filter(classifier_id=classifier_id, name=name).exists()


def test_a_300_character_class_name_is_refused_in_words(ada, label):
    response = ada.client.post(f"/api/v1/classifiers/{label.classifier_id}/labels/", {"name": "x" * 300}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "name: Ensure this field has no more than 100 characters."
    response = ada.client.post(classifiers_url(), {"name": "Long", "labels": ["ok", "é" * 300]}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "labels.1: Ensure this field has no more than 100 characters."
    assert Label.objects.filter(classifier=label.classifier).count() == 2


def test_a_class_named_like_another_is_refused_in_words_whatever_the_case_and_spacing(ada, label):
    response = ada.client.post(
        f"/api/v1/classifiers/{label.classifier_id}/labels/", {"name": "  DRESS "}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["message"] == 'This classifier already has a class called "DRESS".'
    response = ada.client.post(classifiers_url(), {"name": "Twins", "labels": ["🐱 cat", "🐱  CAT"]}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        'The class "🐱 CAT" is named twice. Give each class a different name.'
    )
    assert not Photo.objects.exists()


# --- Predict ------------------------------------------------------------------------------------------


NOT_READABLE = ("This file is not a picture in a format we can read "
                "(JPEG, PNG, GIF, WebP, BMP, TIFF, AVIF and HEIC).")
# What predict says about each bad file (how it begins): the engine reads pictures itself, in its own words.
PREDICT_REFUSALS = {
    "zero bytes": (415, "The file is empty (0 bytes)."),
    "truncated JPEG": (415, "This picture is damaged or cut short and could not be decoded."),
    "a web page named .jpg": (415, NOT_READABLE),
    "SVG": (415, NOT_READABLE),
    "decompression bomb": (413, "This picture is too large to open safely (over 50 megapixels)."),
}


@pytest.mark.slow
@pytest.mark.parametrize("bad", [b for b in REFUSED if b.case in PREDICT_REFUSALS], ids=str)
def test_a_bad_file_sent_to_predict_is_refused_in_words_not_answered(trained, bad: Refused):
    response = trained.owner.client.post(
        f"/api/v1/classifiers/{trained.classifier_id}/predict/", {"file": a_file(bad.name, bad.data())},
        format="multipart",
    )
    status, message = PREDICT_REFUSALS[bad.case]
    assert response.status_code == status
    assert response.json()["error"]["message"].startswith(message)
    assert response.json()["error"]["details"]["name"] == bad.name


@pytest.mark.slow
@pytest.mark.parametrize("odd", [o for o in ODD if "JPEG with" not in o.case], ids=str)
def test_an_odd_picture_sent_to_predict_is_answered(trained, odd: Odd):
    response = trained.owner.client.post(
        f"/api/v1/classifiers/{trained.classifier_id}/predict/", {"file": a_file(odd.name, odd.data())},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    assert response.json()["label"] in trained.labels
