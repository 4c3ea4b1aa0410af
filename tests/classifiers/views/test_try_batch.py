"""Try it on many photos at once: files and zips go in, the answers come back line by line with what could not
be read named in words; any version answers; a batch over the pixel budget, or while the site is busy with
other heavy work, says so and keeps what was answered."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from classifiers.models import Prediction
from classifiers.services.predictions_log import prediction_log_flush
from classifiers.services.training import training_run_create, training_run_execute
from tests.classifiers.views.conftest import photo_bytes, photo_upload
from tests.classifiers.views.test_tryit import trained


def a_zip(members: dict[str, bytes]) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return SimpleUploadedFile("shop.zip", buffer.getvalue(), content_type="application/zip")


def lines(response) -> list[dict]:
    assert response["Content-Type"] == "application/x-ndjson"
    return [json.loads(line) for line in b"".join(response.streaming_content).splitlines()]


def answered(steps: list[dict]) -> tuple[dict, list[dict], list[dict]]:
    answers = [answer for step in steps for answer in step.get("answers", [])]
    unread = [item for step in steps for item in step.get("unread", [])]
    return steps[0], answers, unread


@pytest.fixture
def two_versions(hats_and_shoes):
    """Trained twice: version 2 is in use, version 1 is still there to try."""
    trained(hats_and_shoes)
    with transaction.atomic():
        run = training_run_create(classifier=hats_and_shoes)
    assert training_run_execute(run_id=run.id).status == "succeeded"
    hats_and_shoes.refresh_from_db()
    assert hats_and_shoes.active_version.number == 2
    return hats_and_shoes


def test_a_zip_and_loose_photos_are_answered_and_what_is_not_a_photo_is_named(ada, two_versions):
    url = reverse("classifier_try_batch", args=[two_versions.id])
    shop = a_zip({"hats/hat-0033.jpg": photo_bytes("hat-0033.jpg"),
                  "shoes/shoes-0032.jpg": photo_bytes("shoes-0032.jpg"),
                  "notes.txt": b"eggs, milk", "broken.jpg": b"\xff\xd8 not really a jpeg"})
    response = ada[1].post(url, {"files": [shop, photo_upload("hat-0021.jpg"), photo_upload("shoes-0020.jpg")],
                                 "names": ["shop.zip", "my folder/hat-0021.jpg", "my folder/shoes-0020.jpg"]})
    assert response.status_code == 200
    steps = lines(response)
    start, answers, unread = answered(steps)
    assert start == {"total": 6, "version": 2}  # four in the zip, two loose
    assert steps[-1] == {"done": True}
    assert {a["name"]: a["label"] for a in answers} == {
        "shop.zip/hats/hat-0033.jpg": "hat", "shop.zip/shoes/shoes-0032.jpg": "shoes",
        "my folder/hat-0021.jpg": "hat", "my folder/shoes-0020.jpg": "shoes"}
    assert all(0.5 <= a["confidence"] <= 1 and a["unknown"] is False for a in answers)
    reasons = {item["name"]: item["reason"] for item in unread}
    assert set(reasons) == {"shop.zip/notes.txt", "shop.zip/broken.jpg"}
    assert "not pictures" in reasons["shop.zip/notes.txt"]
    assert reasons["shop.zip/broken.jpg"]  # the decoder's words


def test_any_version_answers_and_one_that_does_not_exist_is_said_in_words(ada, two_versions):
    url = reverse("classifier_try_batch", args=[two_versions.id])
    start, answers, _ = answered(lines(ada[1].post(url, {"files": [photo_upload("hat-0033.jpg")], "version": "1"})))
    assert start["version"] == 1 and answers[0]["label"] == "hat"

    missing = ada[1].post(url, {"files": [photo_upload("hat-0033.jpg")], "version": "7"})
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "This classifier has no version 7; its versions are 1, 2."
    nonsense = ada[1].post(url, {"files": [photo_upload("hat-0033.jpg")], "version": "latest"})
    assert (nonsense.status_code, nonsense.json()["error"]["message"]) == (400, "Choose a version from the list.")
    nothing = ada[1].post(url, {"version": "1"})
    assert nothing.status_code == 400
    assert "Drop photos, a folder or a zip" in nothing.json()["error"]["message"]


def test_an_untrained_classifier_and_another_persons_classifier_answer_nothing(ada, bob, hats_and_shoes):
    url = reverse("classifier_try_batch", args=[hats_and_shoes.id])
    untrained = ada[1].post(url, {"files": [photo_upload("hat-0033.jpg")]})
    assert untrained.status_code == 409
    assert "train it first" in untrained.json()["error"]["message"]
    assert bob[1].post(url, {"files": [photo_upload("hat-0033.jpg")]}).status_code == 404


def test_photos_past_the_pixel_budget_are_named_and_the_rest_answered(ada, hats_and_shoes, settings):
    classifier = trained(hats_and_shoes)
    settings.UPLOAD_MAX_PIXELS = 1  # below one photo: each is refused from its header, before decoding
    url = reverse("classifier_try_batch", args=[classifier.id])
    _, answers, unread = answered(lines(ada[1].post(url, {"files": [photo_upload("hat-0033.jpg")]})))
    assert answers == []
    assert "as much as one batch may" in unread[0]["reason"]


def test_a_batch_while_the_site_is_busy_says_so_in_words(ada, hats_and_shoes, settings):
    classifier = trained(hats_and_shoes)
    settings.HEAVY_AT_ONCE, settings.HEAVY_WAITING = 0, 0  # every turn for heavy work taken
    url = reverse("classifier_try_batch", args=[classifier.id])
    steps = lines(ada[1].post(url, {"files": [photo_upload("hat-0033.jpg")]}))
    assert steps[0] == {"total": 1, "version": 1}
    assert "busy with other uploads" in steps[-1]["error"]["message"]


@pytest.mark.django_db(transaction=True)  # the log's own thread writes once the request has committed
def test_a_batchs_answers_are_kept_in_the_log_as_from_the_page_with_the_version_that_gave_them(
        ada, hats_and_shoes, monkeypatch):
    monkeypatch.setattr("classifiers.services.jobs.job_send", lambda **task: None)  # training runs here
    classifier = trained(hats_and_shoes)
    url = reverse("classifier_try_batch", args=[classifier.id])
    shop = a_zip({"hat-0033.jpg": photo_bytes("hat-0033.jpg"), "notes.txt": b"eggs"})
    lines(ada[1].post(url, {"files": [shop, photo_upload("shoes-0032.jpg")], "version": "1"}))

    assert prediction_log_flush(timeout=30)
    rows = list(Prediction.objects.select_related("version").order_by("name"))
    assert [(row.name, row.source, row.label_name, row.version.number) for row in rows] == [
        ("shoes-0032.jpg", "page", "shoes", 1), ("shop.zip/hat-0033.jpg", "page", "hat", 1)]


def test_a_zip_with_more_files_than_one_zip_may_hold_says_how_many_were_skipped(ada, hats_and_shoes, settings):
    classifier = trained(hats_and_shoes)
    settings.ZIP_MAX_FILES = 2
    url = reverse("classifier_try_batch", args=[classifier.id])
    shop = a_zip({name: photo_bytes(name) for name in ("hat-0033.jpg", "shoes-0032.jpg", "hat-0021.jpg")})
    start, answers, unread = answered(lines(ada[1].post(url, {"files": [shop]})))
    assert start["total"] == 3  # the two read, and the line that says the third was skipped
    assert len(answers) == 2
    assert unread == [{"name": "shop.zip", "reason": "This zip holds 3 files; NanoWeb reads at most 2 from one zip "
                                                     "and skipped the other 1. Split it into smaller zips."}]
