"""A worker that looks alive but takes no tasks, and a queued job whose message the queue lost.

`kill -9` of both idle pool processes of a worker (as the out-of-memory killer does) leaves its main process
answering Celery's ping; on the filesystem broker (the default) no new pool process ever runs a task again.
The worker's own report says so (checkworker, /health/, the pages), and the training pressed meanwhile,
whose message the dead worker held, runs once a worker is back: it is sent again. On Redis the pool
recovers by itself, and a message the broker lost (restarted without its data) is sent again too.
"""

from __future__ import annotations

import subprocess

import pytest
from django.test import Client

from classifiers.models import TrainingRun, Worker
from classifiers.selectors.workers import OK, STUCK, workers_availability
from classifiers.services.training import training_run_create
from tests.classifiers.conftest import make_classifier, photos
from tests.services import require_redis
from tests.worker import celery_worker, children_of, database_url_of_test_db, kill_9, manage, process_env, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

FAST = {
    "NANOWEB_HEARTBEAT_SECONDS": "1",
    "NANOWEB_TRAINING_STALE_SECONDS": "4",
    "NANOWEB_SEARCH_JOB_STALE_SECONDS": "4",
    "NANOWEB_RECOVERY_SECONDS": "1",
    "NANOWEB_WORKER_STUCK_SECONDS": "3",
    "NANOWEB_QUEUED_RESEND_SECONDS": "3",
}


@pytest.fixture
def fast(settings):
    """This process judges the workers' rows with the same short thresholds as the workers use."""
    settings.RECOVERY_SECONDS, settings.WORKER_STUCK_SECONDS, settings.QUEUED_RESEND_SECONDS = 1, 3, 3
    settings.HEARTBEAT_SECONDS, settings.TRAINING_STALE_SECONDS = 1, 4
    return settings


def takes_tasks(pid: int) -> bool:
    """The worker with main process `pid` reported itself and its pool answered its ping."""
    row = Worker.objects.filter(pid=pid).first()
    return bool(row and row.answered_at and row.answered_at >= row.started_at)


def finished(run_id) -> TrainingRun | None:
    run = TrainingRun.objects.get(id=run_id)
    return run if run.status not in TrainingRun.ACTIVE_STATUSES else None


def small_classifier(django_user_model):
    owner = django_user_model.objects.create_user("kim", "kim@example.org", "a-long-password-1")
    return make_classifier(owner, {name: photos("clothing", name)[:6] for name in ("shoes", "hat")})


def test_on_the_filesystem_broker_a_worker_whose_pool_was_killed_is_reported_and_the_run_pressed_meanwhile_runs_after_a_restart(  # noqa: E501
    shared_data_dir, fast, django_user_model
):
    classifier = small_classifier(django_user_model)
    env = process_env(DATABASE_URL=database_url_of_test_db(), NANOWEB_DATA_DIR=str(shared_data_dir), **FAST)
    with celery_worker(env, concurrency=2) as worker:
        wait_until(lambda: takes_tasks(worker.pid), timeout=30, what="the worker to answer its own ping")
        kill_9(children_of(worker.pid))  # both idle pool processes
        run = training_run_create(classifier=classifier)  # its message goes to the worker that cannot run it

        wait_until(lambda: workers_availability().status == STUCK, timeout=15, what="the worker to be reported")
        assert Client().get("/health/").json() == {"status": "ok", "worker": STUCK}
        check = manage("checkworker", "--timeout", "3", env=env)
        assert check.returncode != 0
        assert "NOT taking tasks" in check.stdout and "takes no tasks" in check.stderr, check.stdout + check.stderr
        assert TrainingRun.objects.get(id=run.id).status == "queued"
        kill_9([*children_of(worker.pid), worker.pid])  # what an operator (or `make run`) does next
        worker.wait(timeout=10)

    with celery_worker(env, concurrency=2):  # the run's message went with the killed worker
        run = wait_until(lambda: finished(run.id), timeout=45, what="the run to be sent again and to finish")
        assert workers_availability().status == OK
    assert run.status == "succeeded", run.error
    assert (run.attempts, run.resends) == (1, 1)


@pytest.fixture
def redis_broker(monkeypatch) -> str:
    """This process sends its tasks to Redis too, like the worker (an empty database of its own)."""
    from nanoweb.celery import app

    broker = require_redis()
    subprocess.run(["redis-cli", "-u", broker, "flushdb"], check=False, capture_output=True)
    monkeypatch.setitem(app.conf, "broker_url", broker)
    monkeypatch.setitem(app.conf, "broker_transport_options", {})
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
    yield broker
    subprocess.run(["redis-cli", "-u", broker, "flushdb"], check=False, capture_output=True)


def test_on_redis_a_worker_whose_pool_was_killed_goes_on_and_a_message_the_broker_lost_is_sent_again(
    shared_data_dir, fast, redis_broker, django_user_model
):
    classifier = small_classifier(django_user_model)
    env = process_env(DATABASE_URL=database_url_of_test_db(), NANOWEB_DATA_DIR=str(shared_data_dir),
                      CELERY_BROKER_URL=redis_broker, **FAST)
    with celery_worker(env, concurrency=2) as worker:
        wait_until(lambda: takes_tasks(worker.pid), timeout=30, what="the worker to answer its own ping")
        kill_9(children_of(worker.pid))  # both idle pool processes
        first = training_run_create(classifier=classifier)
        first = wait_until(lambda: finished(first.id), timeout=45, what="the run pressed after the kill to finish")
        assert first.status == "succeeded", first.error
        assert Client().get("/health/").json() == {"status": "ok", "worker": OK}
    # The broker restarts without its data while no worker runs: the queued run's message is gone.
    second = training_run_create(classifier=classifier)
    subprocess.run(["redis-cli", "-u", redis_broker, "flushdb"], check=True, capture_output=True)
    with celery_worker(env, concurrency=2):
        second = wait_until(lambda: finished(second.id), timeout=45, what="the run to be sent again")
    assert second.status == "succeeded", second.error
    assert (second.attempts, second.resends) == (1, 1)
