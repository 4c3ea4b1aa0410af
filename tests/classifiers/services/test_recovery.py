"""A worker's recovery round (classifiers/services/recovery.py), played by this test process as a worker's
main process: running jobs whose worker died go back to the queue at once and say so; queued jobs whose
message the queue lost are sent again, and fail in words after a few tries; and the workers' own reports
tell one that takes tasks from one that is busy, one that stopped taking tasks and one that is gone."""

from __future__ import annotations

import os
import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone

from classifiers.models import SearchJob, TrainingRun, Worker
from classifiers.selectors.search import search_job_summary
from classifiers.selectors.training import training_run_summary
from classifiers.selectors.workers import BUSY, GONE, OK, STUCK, worker_state, workers_availability
from classifiers.services import jobs, recovery, search_jobs, training, workers
from classifiers.services.workers import this_worker, worker_report
from tests.classifiers.conftest import worker_row

Status = TrainingRun.Status
pytestmark = pytest.mark.django_db


def ago(seconds: float):
    return timezone.now() - timedelta(seconds=seconds)


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, str]]:
    """Tasks sent, instead of a broker."""
    calls: list[tuple[str, str]] = []
    monkeypatch.setattr(jobs, "job_send", lambda *, task, job_id, retry_policy=None: calls.append((task, str(job_id))))
    return calls


@pytest.fixture
def pings(monkeypatch) -> list:
    """The pings a worker sends itself, instead of a broker."""
    calls: list = []

    class App:
        @staticmethod
        def send_task(name, args, queue):
            calls.append((name, args, queue))

    monkeypatch.setattr(workers, "current_app", App)
    return calls


@pytest.fixture
def me(pings):
    """This process as the main process of worker celery@me, started a while ago."""
    saved = dict(vars(this_worker))
    workers.worker_identity_set(node="celery@me", concurrency=2)
    this_worker.started_at = ago(600)
    yield this_worker
    vars(this_worker).update(saved)


@pytest.fixture
def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


@pytest.fixture
def live_child():
    process = subprocess.Popen(["sleep", "60"])
    yield process.pid
    process.kill()
    process.wait()


def running_run(classifier, **fields) -> TrainingRun:
    values = {"status": Status.RUNNING, "heartbeat_at": timezone.now(), "attempts": 1, "progress": 0.4,
              "stage": "embedding 3/24", "started_at": ago(60), **fields}
    return TrainingRun.objects.create(classifier=classifier, **values)


def test_a_run_whose_pool_process_died_goes_back_to_the_queue_at_once_and_says_so(clothes, me, sent, dead_pid):
    run = running_run(clothes, worker=me.instance, worker_pid=dead_pid)  # its heartbeat is still fresh
    assert recovery.training_runs_recover() == 1
    run.refresh_from_db()
    assert (run.status, run.stage, run.progress) == (Status.QUEUED, "The worker stopped; resuming…", 0.4)
    assert sent == [(training.TASK, str(run.id))]
    worker_row()  # a worker takes tasks: the run is not paused, it is resuming
    assert training_run_summary(run)["text"] == "The worker stopped; resuming… — 40%"


def test_a_run_whose_pool_process_still_runs_is_left_alone(clothes, me, sent, live_child):
    run = running_run(clothes, worker=me.instance, worker_pid=live_child)
    assert recovery.training_runs_recover() == 0
    assert TrainingRun.objects.get(id=run.id).status == Status.RUNNING and sent == []


def test_the_runs_of_a_worker_that_stopped_reporting_are_resumed_once_two_heartbeats_are_missed(
    clothes, owner, me, sent, settings
):
    from tests.classifiers.conftest import make_classifier, photos

    worker_row(node="celery@old", instance="old", ago=600)  # killed: replaced, or gone for ten minutes
    worker_row(node="celery@other", instance="other")  # reporting
    beats = settings.HEARTBEAT_SECONDS
    silent = running_run(clothes, worker="old", worker_pid=1, heartbeat_at=ago(2 * beats + 1))
    second = make_classifier(owner, {"a": photos("clothing", "hat", 2), "b": photos("clothing", "shoes", 2)})
    beating = running_run(second, worker="old", worker_pid=1)  # its process may outlive its main process
    third = make_classifier(owner, {"a": photos("clothing", "hat", 2), "b": photos("clothing", "pants", 2)})
    elsewhere = running_run(third, worker="other", worker_pid=1, heartbeat_at=ago(2 * beats + 1))
    assert recovery.training_runs_recover() == 1
    assert sent == [(training.TASK, str(silent.id))]
    assert TrainingRun.objects.get(id=beating.id).status == Status.RUNNING
    assert TrainingRun.objects.get(id=elsewhere.id).status == Status.RUNNING  # its worker still reports


def test_any_run_silent_for_the_stale_threshold_is_resumed_until_it_used_its_attempts(clothes, me, sent, settings):
    stale = ago(settings.TRAINING_STALE_SECONDS + 1)
    run = running_run(clothes, heartbeat_at=stale)  # claimed by a worker from before the reports
    assert recovery.training_runs_recover() == 1
    TrainingRun.objects.filter(id=run.id).update(status=Status.RUNNING, heartbeat_at=stale,
                                                 attempts=settings.TRAINING_MAX_ATTEMPTS)
    assert recovery.training_runs_recover() == 1
    run.refresh_from_db()
    assert run.status == Status.FAILED and run.error.startswith("The worker training this classifier stopped 3 times")


def test_a_search_whose_worker_died_is_resumed_saying_so_and_fails_in_words_after_its_attempts(dress_label, sent,
                                                                                               me, settings):
    stale = ago(settings.SEARCH_JOB_STALE_SECONDS + 1)
    job = SearchJob.objects.create(label=dress_label, query="dress", requested=10, status=Status.RUNNING,
                                   heartbeat_at=stale, attempts=1, counts={"found": 6, "downloaded": 4})
    assert recovery.search_jobs_recover() == 1
    job.refresh_from_db()
    assert job.status == Status.QUEUED and sent == [(search_jobs.TASK, str(job.id))]
    worker_row()
    assert search_job_summary(job)["text"] == ("The worker stopped; resuming the search for “dress”: saved 4 of 10 "
                                               "so far…")
    SearchJob.objects.filter(id=job.id).update(status=Status.RUNNING, heartbeat_at=stale, attempts=3)
    assert recovery.search_jobs_recover() == 1
    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert job.error == ("The worker running this search stopped 3 times. The photos saved before that are kept; "
                         "search again to top the class up.")


@pytest.fixture
def dress_label(owner):
    from classifiers.services.catalog import classifier_create

    return classifier_create(owner=owner, name="Dresses", label_names=["dress", "coat"]).labels.get(name="dress")


def report_taking_tasks() -> Worker:
    """This worker reports itself and its pool answers the ping."""
    row = worker_report(active=0)
    Worker.objects.filter(id=row.id).update(answered_at=timezone.now(), ping_sent_at=None)
    return Worker.objects.get(id=row.id)


def test_a_queued_run_whose_message_is_gone_is_sent_again_by_an_idle_worker_that_takes_tasks(clothes, me, sent,
                                                                                             settings):
    waited = settings.QUEUED_RESEND_SECONDS
    lost = TrainingRun.objects.create(classifier=clothes, sent_at=ago(waited + 1))
    me.idle_since = ago(waited + 1)
    assert recovery.queued_jobs_resend(report_taking_tasks()) == {"TrainingRun resent": 1}
    lost.refresh_from_db()
    assert (lost.status, lost.resends) == (Status.QUEUED, 1) and lost.sent_at > ago(5)
    assert sent == [(training.TASK, str(lost.id))]
    assert recovery.queued_jobs_resend(report_taking_tasks()) == {}  # just sent: it waits again


def test_a_queued_run_is_not_sent_again_while_the_worker_has_not_been_idle_long_or_takes_no_tasks(clothes, me, sent,
                                                                                                  settings):
    waited = settings.QUEUED_RESEND_SECONDS
    TrainingRun.objects.create(classifier=clothes, sent_at=ago(waited + 1))
    me.idle_since = ago(waited - 5)  # busy until a moment ago: the run may still be in the queue
    assert recovery.queued_jobs_resend(report_taking_tasks()) == {}
    me.idle_since = ago(waited + 1)
    Worker.objects.update(answered_at=ago(waited + 1))  # its pool has not answered since: it takes no tasks
    assert recovery.queued_jobs_resend(worker_report(active=0)) == {}
    assert sent == []


def test_a_queued_run_sent_again_three_times_fails_in_words(clothes, me, sent, settings):
    waited = settings.QUEUED_RESEND_SECONDS
    lost = TrainingRun.objects.create(classifier=clothes, sent_at=ago(waited + 1), resends=recovery.MAX_RESENDS)
    me.idle_since = ago(waited + 1)
    assert recovery.queued_jobs_resend(report_taking_tasks()) == {"TrainingRun failed": 1}
    lost.refresh_from_db()
    assert lost.status == Status.FAILED and sent == []
    assert lost.error == ("No worker took this training from the queue, although it was sent 3 more times (the queue "
                          "lost it). The previous version is still active; press Train again.")


def test_a_worker_reports_itself_and_pings_itself_through_its_own_queue_once_at_a_time(me, pings):
    row = worker_report(active=1)
    assert (row.node, row.pid, row.concurrency, row.active) == ("celery@me", os.getpid(), 2, 1)
    assert pings == [("classifiers.worker_alive", ["celery@me", me.instance], "nanoweb.worker.celery@me")]
    worker_report(active=1)
    assert len(pings) == 1  # the first one is still waiting
    workers.worker_answer(node="celery@me", instance=me.instance)
    worker_report(active=1)
    assert len(pings) == 2


def test_a_worker_is_ok_busy_not_taking_tasks_or_gone(settings):
    stuck_for = settings.WORKER_STUCK_SECONDS + 1
    assert worker_state(worker_row(node="a")) == OK
    assert worker_state(worker_row(node="b", active=2, ping_sent_at=ago(stuck_for), idle_since=None)) == BUSY
    assert worker_state(worker_row(node="c", ping_sent_at=ago(stuck_for), idle_since=ago(stuck_for))) == STUCK
    # Busy until a moment ago: its ping waited for a free process, which it just got.
    assert worker_state(worker_row(node="d", ping_sent_at=ago(stuck_for), idle_since=ago(1))) == OK
    assert worker_state(worker_row(node="e", ago=600)) == GONE


def test_training_is_said_to_be_paused_while_no_worker_takes_tasks(clothes, settings):
    run = TrainingRun.objects.create(classifier=clothes)
    summary = training_run_summary(run)
    assert summary["paused"] and summary["text"] == ("Training is paused: no worker is running. It starts by itself "
                                                     "as soon as one runs.")
    assert "No worker (the process that trains and searches) has reported" in summary["paused_details"]
    stuck_for = settings.WORKER_STUCK_SECONDS + 1
    worker_row(ping_sent_at=ago(stuck_for), idle_since=ago(stuck_for))
    assert workers_availability().status == STUCK
    summary = training_run_summary(run)
    assert summary["text"] == ("Training is paused: the worker has stopped taking tasks. It goes on by itself once "
                               "the worker is restarted.")
    assert "`make run` restarts its worker by itself" in summary["paused_details"]
    Worker.objects.update(active=2, idle_since=None)
    assert training_run_summary(run)["text"].startswith("Waiting to start: NanoWeb is busy with other trainings")
    Worker.objects.update(active=0, idle_since=timezone.now(), ping_sent_at=None)
    assert training_run_summary(run) | {"progress": 0} == {
        "status": "queued", "active": True, "text": "Waiting to start training…", "progress": 0,
        "error": "", "paused": False, "paused_details": "", "state": "Waiting to start training"}
