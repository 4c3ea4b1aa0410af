"""`make run` (manage.py runall) keeps NanoWeb up: killing the worker's main process does not stop the web
server, the worker is started again and the log says so; a worker whose pool processes were all killed is
noticed and restarted, and the training pressed meanwhile runs. Real processes: runall on a free port with
a data folder of its own, its gunicorn and its worker; every wait is bounded and everything is killed at the
end."""

from __future__ import annotations

import time

import pytest
import requests

from accounts.models import ApiKey, hash_api_key, new_api_key
from classifiers.models import TrainingRun, Worker
from classifiers.selectors.training import training_run_summary
from tests.classifiers.conftest import make_classifier, photos
from tests.reliability.test_worker_stuck import FAST, finished, takes_tasks, wait_until
from tests.worker import children_of, database_url_of_test_db, free_port, kill_9, process_env, runall

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(tmp_path, fast):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("runall shares the test database only on PostgreSQL (DATABASE_URL=postgres://...)")
    port = free_port()
    env = process_env(DATABASE_URL=database_url_of_test_db(), NANOWEB_DATA_DIR=str(tmp_path), CELERY_BROKER_URL=None,
                      NANOWEB_WEB_WORKERS="1", NANOWEB_WORKER_CONCURRENCY="2", NANOWEB_API_RATE="100000/min", **FAST)
    with runall(env, port=port) as process:
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: health(base) is not None, timeout=60, what="gunicorn to answer")
        worker = wait_until(lambda: Worker.objects.filter(answered_at__isnull=False).first(), timeout=60,
                            what="the worker to take tasks")
        yield base, process, worker.pid


@pytest.fixture
def fast(settings):
    settings.RECOVERY_SECONDS, settings.WORKER_STUCK_SECONDS, settings.QUEUED_RESEND_SECONDS = 1, 3, 3
    settings.HEARTBEAT_SECONDS, settings.TRAINING_STALE_SECONDS = 1, 4
    return settings


def health(base: str) -> dict | None:
    try:
        response = requests.get(f"{base}/health/", timeout=1)
    except requests.RequestException:
        return None
    return response.json() if response.status_code == 200 else None


def said(process, words: str) -> bool:
    return any(words in line for line in process.output)


def test_killing_the_worker_main_process_keeps_the_site_up_and_the_worker_is_started_again(site):
    base, process, worker_pid = site
    kill_9([*children_of(worker_pid), worker_pid])
    answers, deadline = [], time.monotonic() + 45
    while time.monotonic() < deadline:
        answers.append(health(base))
        row = Worker.objects.filter(answered_at__isnull=False).exclude(pid=worker_pid).first()
        if row and takes_tasks(row.pid):
            break
        time.sleep(0.2)
    else:
        raise AssertionError("the worker was not started again:\n" + "".join(process.output[-40:]))
    assert None not in answers, "the site stopped answering while the worker was down"
    assert process.poll() is None
    assert said(process, "The worker stopped (killed by SIGKILL); starting it again in 1 s. The site stays up"), \
        "".join(process.output[-40:])
    assert said(process, "Started the worker again.")
    assert health(base) == {"status": "ok", "worker": "ok"}


def test_a_worker_whose_pool_was_killed_is_restarted_and_the_training_pressed_meanwhile_runs(site, django_user_model):
    base, process, worker_pid = site
    owner = django_user_model.objects.create_user("kim", "kim@example.org", "a-long-password-1")
    key = new_api_key()
    ApiKey.objects.create(user=owner, prefix=key[:8], hashed_key=hash_api_key(key))
    classifier = make_classifier(owner, {name: photos("clothing", name)[:6] for name in ("shoes", "hat")})

    kill_9(children_of(worker_pid))  # both idle pool processes: the worker still runs, takes no task
    started = requests.post(f"{base}/api/v1/classifiers/{classifier.id}/train/",
                            headers={"Authorization": f"Bearer {key}"}, timeout=30)
    assert started.status_code == 202, started.text
    run_id = started.json()["id"]

    paused = wait_until(lambda: health(base) == {"status": "ok", "worker": "not taking tasks"}, timeout=20,
                        what="/health/ to say the worker takes no tasks")
    assert paused
    summary = training_run_summary(TrainingRun.objects.get(id=run_id))
    if summary["status"] == "queued":  # unless the restart was quicker than this test
        assert summary["paused"] and summary["text"].startswith("Training is paused: the worker has stopped")
    run = wait_until(lambda: finished(run_id), timeout=60, what="the run to finish after the restart")
    assert run.status == "succeeded", run.error
    assert said(process, "Restarting the worker: celery@"), "".join(process.output[-40:])
    assert health(base) == {"status": "ok", "worker": "ok"}
    assert process.poll() is None
