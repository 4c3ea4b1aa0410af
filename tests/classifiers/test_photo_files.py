"""User files are never served as something a browser could run: a photo comes back from the pages and
the API as image/jpeg with no sniffing, a .jpg name, a sandbox and private caching, whatever it was sent
as; web pages and SVG drawings are not kept at all; and no photo is reachable outside those two views."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from accounts.services import api_key_create
from classifiers.models import Photo
from classifiers.services.catalog import classifier_create
from classifiers.services.uploads import photos_add_uploads
from tests.fakes import images

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada():
    return get_user_model().objects.create_user("ada", "ada@example.org", "correct-horse-battery-9")


@pytest.fixture
def dress(ada):
    return classifier_create(owner=ada, name="Clothes", label_names=["dress", "hat"]).labels.get(name="dress")


def browser_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_of(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_create(user=user)[1]}")
    return client


def served_both_ways(user, photo: Photo) -> list:
    """The photo as the class page's thumbnail and as the API's file."""
    return [browser_of(user).get(reverse("photo_image", args=[photo.id])),
            api_of(user).get(reverse("api-image-file", args=[photo.id]), HTTP_ACCEPT="text/html,*/*")]


@pytest.mark.parametrize("name", ["page.html", "drawing.svg", "script.js", "photo.jpg"])
def test_a_photo_is_sent_as_a_jpeg_a_browser_will_not_run_whatever_it_was_named(ada, dress, name):
    [photo] = photos_add_uploads(label=dress, files=[SimpleUploadedFile(name, images.pattern(5),
                                                                            content_type="text/html")]).added
    for response in served_both_ways(ada, photo):
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"] == f'inline; filename="{photo.id}.jpg"'
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert response["Cache-Control"] == "private, max-age=86400"
        assert Image.open(io.BytesIO(b"".join(response.streaming_content))).format == "JPEG"


@pytest.mark.parametrize(("name", "data"), [("page.html", images.HTML_NAMED_JPG), ("page.jpg", images.HTML_NAMED_JPG),
                                            ("drawing.svg", images.SVG), ("drawing.png", images.SVG)])
def test_a_web_page_or_an_svg_is_never_stored_so_never_comes_back(ada, dress, name, data):
    result = photos_add_uploads(label=dress, files=[SimpleUploadedFile(name, data, content_type="image/svg+xml")])
    assert result.added == []
    assert result.rejected[0]["code"] in ("not_an_image", "svg_not_supported")
    assert not Photo.objects.exists()


def test_a_stored_file_is_a_re_encoded_jpeg_not_the_bytes_that_were_sent(ada, dress):
    sent = images.jpeg_with_html_comment()
    [photo] = photos_add_uploads(label=dress, files=[SimpleUploadedFile("polyglot.jpg", sent)]).added
    stored = photo.image.read()
    assert stored != sent
    assert b"<script" not in stored
    assert photo.image.name.endswith(".jpg")


def test_photos_are_not_reachable_under_the_media_folder(ada, dress):
    [photo] = photos_add_uploads(label=dress, files=[SimpleUploadedFile("a.jpg", images.photo(0))]).added
    for client in (Client(), browser_of(ada)):
        assert client.get(f"/media/{photo.image.name}").status_code == 404


def test_a_photo_whose_file_is_gone_is_a_404_not_a_server_error(ada, dress):
    [photo] = photos_add_uploads(label=dress, files=[SimpleUploadedFile("a.jpg", images.photo(0))]).added
    photo.image.delete(save=False)
    page, api = served_both_ways(ada, photo)
    assert page.status_code == 404
    assert api.status_code == 404
    assert api.json()["error"]["code"] == "not_found"
