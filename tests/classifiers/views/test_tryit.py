"""Try it: the answer for a photo, a bar per class, "none of these" for a picture unlike every class, and
errors in words — a file that is not a picture, an address NanoWeb will not fetch, an untrained classifier."""

from __future__ import annotations

import io

import numpy as np
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from PIL import Image

from classifiers.services.training import training_run_create, training_run_execute
from classifiers.services.uploads import photos_add_uploads
from tests.classifiers.views.conftest import photo_bytes, photo_upload
from tests.fakes.web import FakeWeb


def trained(classifier):
    hat, shoes = classifier.labels.get(name="hat"), classifier.labels.get(name="shoes")
    photos_add_uploads(label=hat, files=[photo_upload(f"hat-{n:04d}.jpg") for n in range(24, 33)])
    photos_add_uploads(label=shoes, files=[photo_upload(f"shoes-{n:04d}.jpg") for n in range(23, 32)])
    with transaction.atomic():  # queued on commit, which this test's transaction holds back: run it here
        run = training_run_create(classifier=classifier)
    run = training_run_execute(run_id=run.id)
    assert run.status == "succeeded", run.error
    classifier.refresh_from_db()
    return classifier


def noise_png() -> bytes:
    pixels = np.random.default_rng(0).integers(0, 256, size=(256, 256, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def test_an_untrained_classifier_says_to_train_first(ada, hats_and_shoes):
    url = reverse("classifier_try", args=[hats_and_shoes.id])
    assert "has not been trained yet" in ada[1].get(url).content.decode()
    response = ada[1].post(url, {"image": photo_upload("hat-0033.jpg")}, HTTP_ACCEPT="application/json")
    assert response.status_code == 409
    assert "train it first" in response.json()["error"]["message"]


def test_try_it_answers_with_a_bar_per_class_and_says_what_went_wrong(ada, hats_and_shoes, settings):
    classifier = trained(hats_and_shoes)
    client, url = ada[1], reverse("classifier_try", args=[classifier.id])

    for name, held_out in (("hat", "hat-0033.jpg"), ("shoes", "shoes-0032.jpg")):
        answer = client.post(url, {"image": photo_upload(held_out)}, HTTP_ACCEPT="application/json").json()["answer"]
        assert (answer["label"], answer["unknown"]) == (name, False)
        assert [bar["label"] for bar in answer["bars"]][0] == name
        assert sorted(bar["label"] for bar in answer["bars"]) == ["hat", "shoes"]

    noise = client.post(url, {"image": SimpleUploadedFile("noise.png", noise_png())}, HTTP_ACCEPT="application/json")
    assert noise.json()["answer"]["unknown"] is True
    page = client.post(url, {"image": SimpleUploadedFile("noise.png", noise_png())}).content.decode()
    assert "None of these" in page and "does not look like any of the classes" in page

    text = client.post(url, {"image": SimpleUploadedFile("notes.txt", b"not a photo")}, HTTP_ACCEPT="application/json")
    assert text.status_code == 415
    assert text.json()["error"]["message"]

    with FakeWeb() as web:  # a photo at an address, standing in for one on the web
        settings.ALLOW_PRIVATE_URLS = True
        address = web.file("/never-seen-hat.jpg", photo_bytes("hat-0033.jpg"))
        answer = client.post(url, {"url": address}, HTTP_ACCEPT="application/json").json()["answer"]
        assert answer["label"] == "hat"

    settings.ALLOW_PRIVATE_URLS = False
    page = client.post(url, {"url": "http://127.0.0.1:9/photo.jpg"})
    errors = page.content.decode()
    errors = errors[errors.index('id="id_try_url_error"'):]
    assert page.status_code == 400
    assert errors.index("</li>") > errors.index("<li>") + 10
    assert 'value="http://127.0.0.1:9/photo.jpg"' in page.content.decode()
