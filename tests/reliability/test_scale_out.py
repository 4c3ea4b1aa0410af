"""Scale-out on real engines: two web processes and two Celery workers (separate processes sharing the
PostgreSQL database, a Redis broker and one media folder) train six classifiers at once while serving
predictions. Every run finishes exactly once, nothing is lost, every prediction is answered."""

from __future__ import annotations

import itertools
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import pytest
import requests
from django.db import connection

from accounts.models import ApiKey, hash_api_key, new_api_key
from classifiers.models import Classifier, ModelVersion, Photo, TrainingRun
from tests.classifiers.conftest import photos
from tests.services import require_redis
from tests.worker import celery_worker, database_url_of_test_db, process_env, web_server

pytestmark = [pytest.mark.worker, pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CLASS_PAIRS = list(itertools.combinations(["shoes", "hat", "pants"], 2))


def api(base: str, key: str):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {key}"

    def call(method: str, path: str, **kwargs) -> requests.Response:
        return session.request(method, base + "/api/v1" + path, timeout=120, **kwargs)

    return call


def build_classifier(call, name: str, classes: tuple[str, str]) -> str:
    created = call("POST", "/classifiers/", json={"name": name, "labels": list(classes)})
    assert created.status_code == 201, created.text
    body = created.json()
    for label in body["labels"]:
        files = [("files", (p.name, p.read_bytes(), "image/jpeg")) for p in photos("clothing", label["name"])[:6]]
        response = call("POST", f"/classifiers/{body['id']}/labels/{label['id']}/images/", files=files)
        assert response.status_code in (200, 201), response.text
        assert len(response.json()["added"]) == 6, response.text
    return body["id"]


def wait_for_run(call, classifier_id: str, run_id: str, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = call("GET", f"/classifiers/{classifier_id}/runs/{run_id}/").json()
        if run["status"] in ("succeeded", "failed"):
            return run
        time.sleep(0.5)
    raise AssertionError(f"run {run_id} did not finish in {timeout:.0f} s")


def test_two_web_processes_and_two_workers_train_six_classifiers_at_once_while_serving_predictions(
    tmp_path, django_user_model
):
    if connection.vendor != "postgresql":
        pytest.skip("scale-out runs on PostgreSQL (DATABASE_URL=postgres://...)")
    broker = require_redis()
    subprocess.run(["redis-cli", "-u", broker, "flushdb"], check=False, capture_output=True)
    env = process_env(
        DATABASE_URL=database_url_of_test_db(), CELERY_BROKER_URL=broker, NANOWEB_DATA_DIR=str(tmp_path),
        NANOWEB_API_RATE="100000/min",
    )
    user = django_user_model.objects.create_user("ops", "ops@example.org", "a-long-password-1")
    key = new_api_key()
    ApiKey.objects.create(user=user, prefix=key[:8], hashed_key=hash_api_key(key))

    with ExitStack() as stack:
        bases = [stack.enter_context(web_server(env, workers=1)) for _ in range(2)]
        for _ in range(2):
            stack.enter_context(celery_worker(env))
        calls = [api(base, key) for base in bases]

        served = build_classifier(calls[0], "already trained", ("shoes", "hat"))
        run = calls[1]("POST", f"/classifiers/{served}/train/").json()
        assert wait_for_run(calls[1], served, run["id"])["status"] == "succeeded"

        names = [f"classifier {i}" for i in range(6)]
        ids = [build_classifier(calls[i % 2], name, CLASS_PAIRS[i % 3]) for i, name in enumerate(names)]

        predictions: list[int] = []
        done = threading.Event()
        probe = photos("clothing", "shoes")[10].read_bytes()

        def predict_meanwhile() -> None:
            for call in itertools.cycle(calls):
                if done.is_set():
                    return
                response = call("POST", f"/classifiers/{served}/predict/",
                                files={"file": ("probe.jpg", probe, "image/jpeg")})
                predictions.append(response.status_code)
                assert response.status_code != 200 or response.json()["label"] == "shoes"

        predictor = threading.Thread(target=predict_meanwhile)
        predictor.start()
        try:
            with ThreadPoolExecutor(max_workers=6) as pool:
                started = list(pool.map(
                    lambda i: calls[i % 2]("POST", f"/classifiers/{ids[i]}/train/"), range(6)))
            assert [r.status_code for r in started] == [202] * 6, [r.text for r in started]
            runs = [wait_for_run(calls[i % 2], ids[i], started[i].json()["id"]) for i in range(6)]
        finally:
            done.set()
            predictor.join(timeout=60)

    assert [run["status"] for run in runs] == ["succeeded"] * 6, [run.get("error") for run in runs]
    assert predictions and set(predictions) == {200}, f"{len(predictions)} predictions: {set(predictions)}"
    for classifier_id in ids:
        classifier = Classifier.objects.get(id=classifier_id)
        assert ModelVersion.objects.filter(classifier=classifier).count() == 1  # trained once, not twice
        assert TrainingRun.objects.get(classifier=classifier).attempts == 1
        assert classifier.active_version is not None
        assert Photo.objects.filter(label__classifier=classifier).count() == 12
        for photo in Photo.objects.filter(label__classifier=classifier):
            assert (tmp_path / "media" / photo.image.name).is_file()
