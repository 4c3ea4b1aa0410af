"""Every answer is kept in the prediction log: from the API (one file, several, links) and from the try-it page,
with who asked, what it said, how long it took and a small copy of the photo; and a log that cannot be written
(an unwritable folder, a database refusing the rows, a table locked for long) never costs or slows an answer.

Transactional: the log's own thread writes with its own database connection, as in production, so the rows
it refers to must be committed.
"""

from __future__ import annotations

import os
import threading

import psycopg
import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from PIL import Image

from accounts.models import ApiKey
from classifiers.models import Classifier, Prediction
from classifiers.services.predictions_log import WRITER_NICENESS, prediction_log_flush, prediction_writer
from tests.classifiers.api.conftest import hat_or_shoes_trained, make_person
from tests.fakes.web import FakeWeb

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def trained(monkeypatch):
    monkeypatch.setattr("classifiers.services.jobs.job_send", lambda **task: None)
    return hat_or_shoes_trained(make_person("ada"))


def upload(path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes(), content_type="image/jpeg")


def predict(trained, data: dict, fmt: str = "multipart"):
    return trained.owner.client.post(f"/api/v1/classifiers/{trained.classifier_id}/predict/", data, format=fmt)


def logged() -> list[Prediction]:
    assert prediction_log_flush(timeout=30)
    return list(Prediction.objects.select_related("version", "label").order_by("created_at", "name"))


def test_an_api_answer_is_kept_with_its_key_version_class_and_a_small_photo(trained):
    hat = trained.held_out["hat"]
    answer = predict(trained, {"file": upload(hat)}).json()

    [row] = logged()
    assert str(row.id) == answer["id"]
    assert (row.source, row.name, row.label_name, row.version.number) == ("api", hat.name, "hat", 1)
    # The class it answered, or none when the answer was "none of these" (its closest class is still named).
    assert row.unknown is answer["unknown"]
    assert row.label_id is None if answer["unknown"] else row.label.name == "hat"
    assert row.api_key == ApiKey.objects.get(user=trained.owner.user)
    assert row.confidence == pytest.approx(answer["confidence"])
    assert row.unknown_score == pytest.approx(answer["unknown_score"])
    assert 0 < row.margin <= 1 and row.latency_ms > 0
    with default_storage.open(row.photo.name) as kept, Image.open(kept) as image:
        assert image.format == "JPEG" and max(image.size) <= 256


def test_several_files_and_links_are_each_kept_under_the_name_they_were_sent_as(trained, settings):
    settings.ALLOW_PRIVATE_URLS = True  # the stand-in for the web listens on 127.0.0.1
    hat, shoes = trained.held_out["hat"], trained.held_out["shoes"]
    many = predict(trained, {"files": [upload(shoes), upload(hat)]}).json()
    with FakeWeb() as web:
        link = web.file("/mystery.jpg", hat.read_bytes())
        by_link = predict(trained, {"urls": [link]}, fmt="json").json()

    rows = {row.name: row for row in logged()}
    assert set(rows) == {hat.name, shoes.name, link}
    assert [str(rows[a["name"]].id) for a in many + by_link] == [a["id"] for a in many + by_link]
    assert rows[shoes.name].label_name == "shoes" and rows[link].label_name == "hat"
    # The two files of one request waited for the same answer: they share its time.
    assert rows[hat.name].latency_ms == rows[shoes.name].latency_ms


def test_a_try_it_answer_is_kept_as_from_the_page_without_a_key(trained, client):
    client.force_login(trained.owner.user)
    response = client.post(f"/classifiers/{trained.classifier_id}/try/",
                           {"image": upload(trained.held_out["shoes"])}, headers={"Accept": "application/json"})
    assert response.status_code == 200

    [row] = logged()
    assert str(row.id) == response.json()["answer"]["id"]
    assert (row.source, row.api_key, row.label_name) == ("page", None, "shoes")
    assert row.photo.name and default_storage.exists(row.photo.name)


def test_an_owner_who_turned_photo_keeping_off_gets_answers_kept_without_photos(trained):
    Classifier.objects.filter(id=trained.classifier_id).update(keep_prediction_photos=False)
    assert predict(trained, {"file": upload(trained.held_out["hat"])}).status_code == 200

    [row] = logged()
    assert row.label_name == "hat" and row.photo.name == ""
    assert not (settings.MEDIA_ROOT / "predictions").exists()


def test_an_unwritable_photo_folder_costs_the_photo_not_the_answer(trained):
    settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
    (settings.MEDIA_ROOT / "predictions").write_text("a file where the folder should be")
    response = predict(trained, {"file": upload(trained.held_out["hat"])})
    assert response.status_code == 200 and response.json()["label"] == "hat"

    [row] = logged()
    assert row.label_name == "hat" and row.photo.name == ""


def other_connection() -> psycopg.Connection:
    db = settings.DATABASES["default"]
    return psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
                           password=db["PASSWORD"] or None, dbname=db["NAME"], autocommit=True)


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the test database is not PostgreSQL; run with DATABASE_URL=postgres://...")


def test_a_database_that_refuses_the_log_costs_the_log_entry_not_the_answer(trained):
    require_postgresql()
    with other_connection() as admin:
        admin.execute("ALTER TABLE classifiers_prediction RENAME TO classifiers_prediction_away")
        try:
            response = predict(trained, {"file": upload(trained.held_out["shoes"])})
            assert prediction_log_flush(timeout=30)  # the writer tried, and failed
        finally:
            admin.execute("ALTER TABLE classifiers_prediction_away RENAME TO classifiers_prediction")
    assert response.status_code == 200 and response.json()["label"] == "shoes"
    assert logged() == []
    # Its photo went with it: no file is left without a row.
    assert not list((settings.MEDIA_ROOT / "predictions").rglob("*.jpg"))

    # The log goes on once the database takes rows again.
    predict(trained, {"file": upload(trained.held_out["hat"])})
    assert [row.label_name for row in logged()] == ["hat"]


def test_a_locked_log_table_does_not_hold_the_answer_back(trained):
    require_postgresql()
    locked, answered, released = threading.Event(), threading.Event(), threading.Event()

    def hold_the_lock() -> None:
        with other_connection() as admin, admin.transaction():
            admin.execute("LOCK TABLE classifiers_prediction IN ACCESS EXCLUSIVE MODE")
            locked.set()
            answered.wait(timeout=20)  # an answer that waited on the log would come only after this
        released.set()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    assert locked.wait(timeout=10)
    response = predict(trained, {"file": upload(trained.held_out["shoes"])})
    answered_while_locked = not released.is_set()
    stuck = not prediction_log_flush(timeout=0.5)  # the log's thread waits on the lock meanwhile
    answered.set()
    holder.join()

    assert response.status_code == 200 and response.json()["label"] == "shoes"
    assert answered_while_locked and stuck
    assert [row.label_name for row in logged()] == ["shoes"]  # written once the lock went


def test_no_answer_is_kept_when_the_log_is_switched_off(trained, settings):
    settings.PREDICTION_LOG = False
    answer = predict(trained, {"file": upload(trained.held_out["hat"])}).json()
    assert answer["id"] is None and answer["label"] == "hat"
    assert logged() == []


def test_the_log_is_written_by_a_thread_that_gives_way_to_the_answers(trained):
    """The thread writing the log runs niced (WRITER_NICENESS), so a busy server spends its cores on answers
    first; the answer is kept all the same."""
    answer = predict(trained, {"file": upload(trained.held_out["hat"])}).json()

    [row] = logged()
    assert str(row.id) == answer["id"]
    assert prediction_writer.thread_id is not None
    niceness = os.getpriority(os.PRIO_PROCESS, prediction_writer.thread_id)
    assert niceness == os.getpriority(os.PRIO_PROCESS, 0) + WRITER_NICENESS
