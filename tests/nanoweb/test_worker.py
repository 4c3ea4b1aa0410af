"""A task queued the way a view queues it (on commit) runs in a real Celery worker process and writes
to the database — on Redis + PostgreSQL, and on the embedded filesystem broker + SQLite."""

from __future__ import annotations

import sqlite3

import pytest
from django.db import connection

from nanoweb.models import WorkerPing
from tests.services import require_redis
from tests.worker import celery_worker, database_url_of_test_db, manage, process_env

pytestmark = [pytest.mark.worker, pytest.mark.services]


@pytest.mark.django_db(transaction=True)
def test_a_queued_task_runs_in_a_worker_over_redis_and_postgresql(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the test database is not PostgreSQL; run with DATABASE_URL=postgres://... (make test does)")
    broker = require_redis()
    env = process_env(NANOWEB_DATA_DIR=str(tmp_path), DATABASE_URL=database_url_of_test_db(), CELERY_BROKER_URL=broker)
    with celery_worker(env):
        result = manage("checkworker", "--timeout", "60", env=env)
    assert result.returncode == 0, result.stderr
    assert "answered in" in result.stdout
    ping = WorkerPing.objects.get()
    assert ping.answered_at is not None
    assert ping.worker


def test_a_queued_task_runs_in_a_worker_on_the_embedded_filesystem_broker_and_sqlite(tmp_path):
    env = process_env(NANOWEB_DATA_DIR=str(tmp_path), DATABASE_URL=None, CELERY_BROKER_URL=None)
    assert manage("migrate", "--noinput", env=env).returncode == 0
    with celery_worker(env):
        result = manage("checkworker", "--timeout", "60", env=env)
    assert result.returncode == 0, result.stderr
    rows = sqlite3.connect(tmp_path / "nanoweb.sqlite3").execute(
        "SELECT answered_at, worker FROM nanoweb_workerping"
    ).fetchall()
    assert len(rows) == 1
    answered_at, worker = rows[0]
    assert answered_at is not None and worker


def test_checkworker_says_what_to_do_when_no_worker_runs(tmp_path):
    env = process_env(NANOWEB_DATA_DIR=str(tmp_path), DATABASE_URL=None, CELERY_BROKER_URL=None)
    assert manage("migrate", "--noinput", env=env).returncode == 0
    result = manage("checkworker", "--timeout", "2", env=env)
    assert result.returncode != 0
    assert "No worker answered within 2 s" in result.stderr
