"""Concurrent predictions through a real gunicorn (threads in one process, so they share backbone calls):
every request gets the answers its own pictures get alone, and a damaged picture refuses only its request."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.conf import settings
from django.db import connection

from accounts.services import api_key_create
from classifiers.models import TrainingRun
from classifiers.services.prediction import predict_images
from classifiers.services.training import training_run_execute
from tests.classifiers.conftest import photos
from tests.worker import database_url_of_test_db, process_env, web_server

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def sent_as(path) -> str:
    return f"{path.parent.name}-{path.name}"  # each class folder numbers its photos from 0000.jpg


def test_concurrent_requests_each_get_their_own_answers(clothes, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the test database is not PostgreSQL; run with DATABASE_URL=postgres://...")
    run = training_run_execute(run_id=TrainingRun.objects.create(classifier=clothes).id)
    assert run.status == TrainingRun.Status.SUCCEEDED, run.error
    clothes.refresh_from_db()
    _, key = api_key_create(user=clothes.owner, name="load")
    held_out = [path for name in ("shoes", "hat", "pants") for path in photos("clothing", name)[12:]]
    expected = {sent_as(path): predict_images(classifier=clothes, images=[path.read_bytes()])[0] for path in held_out}
    # The server reads this test's photos, models and (linked, so not exported again) backbone files.
    (tmp_path / "cache").symlink_to(settings.FEATURE_CACHE_DIR, target_is_directory=True)
    env = process_env(NANOWEB_DATA_DIR=str(tmp_path), DATABASE_URL=database_url_of_test_db())

    one = [[path] for path in held_out] * 2
    pairs = [[held_out[i], held_out[-1 - i]] for i in range(len(held_out) // 2)]
    damaged = held_out[0].read_bytes()[:2000]
    with web_server(env, workers=1) as base:
        url = f"{base}/api/v1/classifiers/{clothes.id}/predict/"
        headers = {"Authorization": f"Bearer {key}"}

        def post(paths) -> requests.Response:
            field = "files" if len(paths) > 1 else "file"
            return requests.post(url, headers=headers, timeout=120,
                                 files=[(field, (sent_as(p), p.read_bytes(), "image/jpeg")) for p in paths])

        def post_damaged(_) -> requests.Response:
            return requests.post(url, headers=headers, timeout=120,
                                 files=[("files", ("good.jpg", held_out[1].read_bytes(), "image/jpeg")),
                                        ("files", ("cut.jpg", damaged, "image/jpeg"))])

        with ThreadPoolExecutor(max_workers=8) as pool:
            refused = [pool.submit(post_damaged, None) for _ in range(3)]
            answered = list(pool.map(post, one + pairs))

    for paths, response in zip(one + pairs, answered, strict=True):
        assert response.status_code == 200, response.text
        answers = response.json() if len(paths) > 1 else [response.json()]
        assert [a["name"] for a in answers] == [sent_as(p) for p in paths]
        for answer in answers:
            alone = expected[answer["name"]]
            assert answer["label"] == alone["label"] and answer["unknown"] == alone["unknown"]
            assert answer["probabilities"] == pytest.approx(alone["probabilities"], abs=1e-4)
    for future in refused:
        response = future.result()
        assert response.status_code == 415, response.text
        error = response.json()["error"]
        assert error["message"].startswith("Image 2 of 2: ") and error["details"]["name"] == "cut.jpg"
