"""A class's photos through the API: upload files and zips, import URLs, list, read, serve, delete."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from classifiers.models import Photo
from tests.fakes.images import pattern, photo
from tests.fakes.web import FakeWeb

pytestmark = pytest.mark.django_db


def images_url(label) -> str:
    return f"/api/v1/classifiers/{label.classifier_id}/labels/{label.id}/images/"


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_it_adds_uploaded_photos_and_describes_each(ada, label):
    response = ada.client.post(
        images_url(label),
        {"files": [upload("dress.jpg", photo(0)), upload("hat.png", pattern(1), "image/png")]},
        format="multipart",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["rejected"] == []
    first, second = body["added"]
    assert first["original_name"] == "dress.jpg" and first["provider"] == "upload"
    assert first["label"] == str(label.id)
    assert first["width"] > 0 and first["height"] > 0
    assert first["url"] == f"http://testserver/api/v1/images/{first['id']}/file/"
    assert set(first) >= {
        "id",
        "url",
        "source_url",
        "page_url",
        "provider",
        "title",
        "license",
        "author",
        "width",
        "height",
        "flags",
    }
    assert label.photos.count() == 2


def test_a_non_image_among_good_photos_is_rejected_with_its_reason_and_the_rest_are_kept(ada, label):
    response = ada.client.post(
        images_url(label),
        {
            "files": [
                upload("good.jpg", photo(0)),
                upload("notes.jpg", b"these are my shopping notes, not a photo"),
                upload("also-good.png", pattern(2), "image/png"),
            ]
        },
        format="multipart",
    )
    assert response.status_code == 201
    body = response.json()
    assert [image["original_name"] for image in body["added"]] == ["good.jpg", "also-good.png"]
    [rejected] = body["rejected"]
    assert rejected["name"] == "notes.jpg"
    assert rejected["code"] == "not_an_image"
    assert rejected["reason"]
    assert label.photos.count() == 2


def test_when_nothing_could_be_added_it_is_a_415_listing_each_reason(ada, label):
    response = ada.client.post(
        images_url(label),
        {"files": [upload("a.jpg", b"plain text"), upload("b.svg", b"<svg></svg>")]},
        format="multipart",
    )
    assert response.status_code == 415
    error = response.json()["error"]
    assert error["code"] == "unsupported_media_type"
    assert error["message"].startswith("None of the files was added. a.jpg: ")
    assert [item["name"] for item in error["details"]["rejected"]] == ["a.jpg", "b.svg"]
    assert not Photo.objects.exists()


def test_the_same_photo_twice_is_a_409_duplicate(ada, label):
    ada.client.post(images_url(label), {"files": [upload("a.jpg", photo(0))]}, format="multipart")
    response = ada.client.post(images_url(label), {"files": [upload("again.jpg", photo(0))]}, format="multipart")
    assert response.status_code == 409
    [rejected] = response.json()["error"]["details"]["rejected"]
    assert rejected["code"] == "duplicate"
    assert label.photos.count() == 1


def test_it_takes_a_zip_of_photos(ada, label):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("photos/one.jpg", photo(0))
        zf.writestr("photos/two.png", pattern(3))
    response = ada.client.post(
        images_url(label), {"files": [upload("photos.zip", archive.getvalue(), "application/zip")]}, format="multipart"
    )
    assert response.status_code == 201
    assert len(response.json()["added"]) == 2


def test_a_post_without_files_or_urls_says_what_to_send(ada, label):
    response = ada.client.post(images_url(label), {}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["details"]["fields"] == {
        "urls": ["Send image addresses as 'urls', a page's address as 'page_url', or files as 'files'."]
    }
    response = ada.client.post(images_url(label), {"note": "x"}, format="multipart")
    assert response.status_code == 400
    assert "files" in response.json()["error"]["details"]["fields"]


def test_it_imports_image_urls_and_rejects_the_bad_ones_with_reasons(ada, label, settings):
    settings.ALLOW_PRIVATE_URLS = True  # the stand-in for the web listens on 127.0.0.1
    with FakeWeb() as web:
        good = web.file("/photo.jpg", photo(1))
        text = web.file("/page.txt", b"hello", "text/plain")
        missing = web.url("/gone.jpg")
        response = ada.client.post(images_url(label), {"urls": [good, text, missing, "ftp://x/y.jpg"]}, format="json")
    assert response.status_code == 201
    body = response.json()
    [added] = body["added"]
    assert added["source_url"] == good and added["provider"] == "url"
    rejected = {item["url"]: item for item in body["rejected"]}
    assert set(rejected) == {text, missing, "ftp://x/y.jpg"}
    assert all(item["reason"] and item["code"] for item in rejected.values())


def test_importing_from_a_private_address_is_refused_when_not_allowed(ada, label, settings):
    settings.ALLOW_PRIVATE_URLS = False
    with FakeWeb() as web:
        url = web.file("/photo.jpg", photo(1))
        response = ada.client.post(images_url(label), {"urls": [url]}, format="json")
        assert web.hits("/photo.jpg") == 0
    assert response.status_code == 400
    [rejected] = response.json()["error"]["details"]["rejected"]
    assert rejected["url"] == url


def test_it_lists_reads_serves_and_deletes_photos(ada, label, django_capture_on_commit_callbacks):
    added = ada.client.post(
        images_url(label), {"files": [upload("a.jpg", photo(0)), upload("b.jpg", photo(1))]}, format="multipart"
    ).json()["added"]
    listed = ada.client.get(images_url(label)).json()
    assert listed["count"] == 2
    assert [image["id"] for image in listed["results"]] == [image["id"] for image in added]

    one = ada.client.get(f"{images_url(label)}{added[0]['id']}/")
    assert one.json() == added[0]

    served = ada.client.get(added[0]["url"], HTTP_ACCEPT="image/avif,image/webp,*/*")
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served["Content-Security-Policy"]
    image = Image.open(io.BytesIO(b"".join(served.streaming_content)))
    assert image.format == "JPEG" and image.size == (added[0]["width"], added[0]["height"])

    with django_capture_on_commit_callbacks(execute=True):
        assert ada.client.delete(f"{images_url(label)}{added[0]['id']}/").status_code == 204
    assert ada.client.get(added[0]["url"]).status_code == 404
    assert ada.client.get(images_url(label)).json()["count"] == 1


def test_the_image_file_of_another_person_is_a_json_404(ada, bob, label):
    added = ada.client.post(images_url(label), {"files": [upload("a.jpg", photo(0))]}, format="multipart").json()[
        "added"
    ][0]
    response = bob.client.get(added["url"], HTTP_ACCEPT="image/jpeg")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"
