"""A share link served by a real gunicorn process, as `make run` serves it: a visitor's answer, kept in the
log with source "share" by that process; then the owner revokes the link through the API from another
process, and the server, which had just served the link and has the model loaded, answers 404 at once."""

from __future__ import annotations

import re
import time

import pytest
import requests
from django.db import connection

from classifiers.models import Prediction
from tests.classifiers.api.conftest import hat_or_shoes_trained, make_person
from tests.worker import database_url_of_test_db, manage, process_env, web_server

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_revoked_link_is_a_404_at_once_in_a_server_that_had_just_served_it(monkeypatch, isolated_data_dir):
    if connection.vendor != "postgresql":
        pytest.skip("the server shares the test database only on PostgreSQL (DATABASE_URL=postgres://...)")
    monkeypatch.setattr("classifiers.services.jobs.job_send", lambda **task: None)  # trained here, not queued
    trained = hat_or_shoes_trained(make_person("ada"))
    links = f"/api/v1/classifiers/{trained.classifier_id}/share-links/"
    link = trained.owner.client.post(links, {}, format="json").json()
    env = process_env(DATABASE_URL=database_url_of_test_db(), NANOWEB_DATA_DIR=str(isolated_data_dir),
                      CELERY_BROKER_URL=None, NANOWEB_DEBUG="0")
    collected = manage("collectstatic", "--noinput", env=env)  # as `make run` does before serving pages
    assert collected.returncode == 0, collected.stderr
    with web_server(env) as base:
        page = base + link["url"].removeprefix("http://testserver")
        visitor = requests.Session()
        shown = visitor.get(page, timeout=30)
        assert shown.status_code == 200 and "It tells apart: hat, shoes." in shown.text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', shown.text).group(1)
        photo = trained.held_out["hat"]
        answer = visitor.post(page, data={"csrfmiddlewaretoken": token}, headers={"Accept": "application/json"},
                              files={"image": (photo.name, photo.read_bytes(), "image/jpeg")}, timeout=60)
        assert answer.status_code == 200, answer.text
        assert answer.json()["answer"]["label"] == "hat"
        deadline = time.monotonic() + 20  # the server's log thread writes it a moment after the answer
        while not Prediction.objects.filter(source="share").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert Prediction.objects.filter(source="share", classifier_id=trained.classifier_id).count() == 1

        assert trained.owner.client.delete(f"{links}{link['id']}/").status_code == 204
        assert visitor.get(page, timeout=30).status_code == 404
        again = visitor.post(page, data={"csrfmiddlewaretoken": token}, headers={"Accept": "application/json"},
                             files={"image": (photo.name, photo.read_bytes(), "image/jpeg")}, timeout=60)
        assert again.status_code == 404
