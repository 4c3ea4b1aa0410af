"""The whole flow as an outside client does it, against real processes: a gunicorn web server and a Celery
worker sharing the test's PostgreSQL database and one data folder.

create a key -> create a classifier -> upload photos -> train -> poll -> predict (files and a URL) -> export
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection

from classifiers.ml.engine_choice import DEFAULT_ENGINE
from tests.classifiers.api.conftest import PASSWORD
from tests.fakes.web import FakeWeb
from tests.worker import REPO, celery_worker, database_url_of_test_db, process_env, web_server

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PHOTOS = REPO / "tests" / "data" / "e2e"  # real photos, see the NOTICE there
CLASSES = ("hat", "shoes")
TRAIN_TIMEOUT = 240  # seconds; a first run also warms the backbone on a busy 2-core machine


def photos(label: str) -> list[Path]:
    return sorted(PHOTOS.glob(f"{label}-*.jpg"))


def files_field(paths: list[Path]) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("files", (path.name, path.read_bytes(), "image/jpeg")) for path in paths]


@pytest.fixture
def running_site(tmp_path) -> Iterator[str]:
    if connection.vendor != "postgresql":
        pytest.skip("the test database is not PostgreSQL; run with DATABASE_URL=postgres://...")
    # The engine files live in the test process's cache folder, so NanoWeb's real default is exported (and
    # quantized, for int8) once per test data folder, not in every run of this test.
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "cache").symlink_to(settings.FEATURE_CACHE_DIR, target_is_directory=True)
    env = process_env(
        NANOWEB_DATA_DIR=str(tmp_path / "data"),
        DATABASE_URL=database_url_of_test_db(),
        CELERY_BROKER_URL=None,  # the filesystem broker in the shared data folder: web and worker meet there
        NANOWEB_ALLOW_PRIVATE_URLS="1",  # predict-by-URL reaches the stand-in web server on 127.0.0.1
        # This test alone runs NanoWeb's own default engine (the others pin one: tests/conftest.py).
        NANOWEB_BACKBONE=None,
        NANOWEB_PRECISION=None,
    )
    with celery_worker(env) as worker, web_server(env) as base:
        yield base
        # On failure, the processes' own words: pytest shows captured output of failed tests.
        print("worker output:\n" + "".join(worker.output[-60:]))  # type: ignore[attr-defined]


def test_an_outside_client_creates_uploads_trains_polls_and_predicts(running_site):
    base = running_site
    get_user_model().objects.create_user("ada", "ada@example.org", PASSWORD)

    made = requests.post(f"{base}/api/v1/auth/keys/", json={"username": "ada", "password": PASSWORD}, timeout=30)
    assert made.status_code == 201, made.text
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {made.json()['key']}"

    created = api.post(
        f"{base}/api/v1/classifiers/", json={"name": "Hats or shoes", "labels": list(CLASSES)}, timeout=30
    )
    assert created.status_code == 201, created.text
    classifier = created.json()
    cid = classifier["id"]
    held_out = {}
    for label in classifier["labels"]:
        *training, held_out[label["name"]] = photos(label["name"])
        uploaded = api.post(
            f"{base}/api/v1/classifiers/{cid}/labels/{label['id']}/images/", files=files_field(training), timeout=120
        )
        assert uploaded.status_code == 201, uploaded.text
        assert len(uploaded.json()["added"]) == len(training) == 12
        assert uploaded.json()["rejected"] == []

    started = api.post(f"{base}/api/v1/classifiers/{cid}/train/", timeout=30)
    assert started.status_code == 202, started.text
    run = started.json()
    assert run["status"] == "queued"
    again = api.post(f"{base}/api/v1/classifiers/{cid}/train/", timeout=30)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"

    deadline = time.monotonic() + TRAIN_TIMEOUT
    while run["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, f"training still {run['status']} after {TRAIN_TIMEOUT} s: {run}"
        time.sleep(1)
        polled = api.get(f"{base}/api/v1/classifiers/{cid}/runs/{run['id']}/", timeout=30)
        assert polled.status_code == 200
        run = polled.json()
        assert 0.0 <= run["progress"] <= 1.0
    assert run["status"] == "succeeded", run["error"]
    assert run["version"] == 1
    assert {"accuracy", "per_label", "confusion"} <= set(run["metrics"])
    assert 0.0 <= run["metrics"]["accuracy"] <= 1.0

    detail = api.get(f"{base}/api/v1/classifiers/{cid}/", timeout=30).json()
    assert (detail["status"], detail["active_version"]) == ("trained", 1)

    # One held-out photo a class, never seen in training.
    for name, path in held_out.items():
        with path.open("rb") as handle:
            answer = api.post(f"{base}/api/v1/classifiers/{cid}/predict/", files={"file": handle}, timeout=60)
        assert answer.status_code == 200, answer.text
        prediction = answer.json()
        assert prediction["label"] == name, prediction
        assert prediction["name"] == path.name
        assert set(prediction["probabilities"]) == set(CLASSES)
        assert abs(sum(prediction["probabilities"].values()) - 1.0) < 1e-3
        assert prediction["confidence"] == max(prediction["probabilities"].values())
        assert prediction["version"] == 1

    both = api.post(f"{base}/api/v1/classifiers/{cid}/predict/", files=files_field(list(held_out.values())), timeout=60)
    assert [p["label"] for p in both.json()] == list(held_out)

    with FakeWeb() as web:
        url = web.file("/mystery.jpg", held_out["shoes"].read_bytes())
        by_url = api.post(f"{base}/api/v1/classifiers/{cid}/predict/", json={"url": url}, timeout=60)
    assert by_url.status_code == 200, by_url.text
    assert (by_url.json()["label"], by_url.json()["name"]) == ("shoes", url)

    versions = api.get(f"{base}/api/v1/classifiers/{cid}/versions/", timeout=30).json()["results"]
    assert [(v["number"], v["active"]) for v in versions] == [(1, True)]
    assert (versions[0]["backbone"], versions[0]["precision"]) == DEFAULT_ENGINE  # it trained on the real default

    export = api.get(f"{base}/api/v1/classifiers/{cid}/export/", timeout=60)
    assert export.status_code == 200
    assert export.headers["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(export.content))
    assert sorted(archive.namelist()) == ["README.txt", "labels.json", "model.onnx"]
    meta = json.loads(archive.read("labels.json"))
    assert (meta["backbone"], meta["precision"]) == DEFAULT_ENGINE
