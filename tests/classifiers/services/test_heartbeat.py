"""A running job's heartbeat thread outlives a database hiccup: the connection it writes on is cut (as when the
database restarts), and its next beat opens a new one and keeps the job looking alive, so recovery never takes a
living job from its worker."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from classifiers.models import Classifier, TrainingRun
from classifiers.services.jobs import heartbeat
from tests.worker import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

LONG_AGO = timedelta(hours=1)


def _fresh_within(run: TrainingRun, seconds: float) -> None:
    def fresh() -> bool:
        run.refresh_from_db()
        return timezone.now() - run.heartbeat_at < timedelta(seconds=30)

    wait_until(fresh, timeout=seconds, what="a fresh heartbeat")


@pytest.fixture
def running(django_user_model) -> TrainingRun:
    owner = django_user_model.objects.create_user("beats", "beats@example.org", "a-long-password-123")
    classifier = Classifier.objects.create(owner=owner, name="beats")
    return TrainingRun.objects.create(classifier=classifier, status=TrainingRun.Status.RUNNING,
                                      heartbeat_at=timezone.now() - LONG_AGO)


def test_the_heartbeat_keeps_a_running_job_fresh(running):
    with heartbeat(TrainingRun, running.id, every=0.1):
        _fresh_within(running, 5)


def test_a_heartbeat_whose_database_connection_is_cut_beats_again_on_a_new_one(running, caplog):
    if connection.vendor != "postgresql":
        pytest.skip("cutting another thread's connection needs PostgreSQL")
    with heartbeat(TrainingRun, running.id, every=0.1):
        _fresh_within(running, 5)
        with connection.cursor() as cursor:  # the heartbeat thread's connection: the one that last wrote it
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                           "AND datname = current_database() AND query LIKE 'UPDATE%%heartbeat_at%%'")
            assert cursor.fetchall(), "the heartbeat thread's connection was not found"
        TrainingRun.objects.filter(id=running.id).update(heartbeat_at=timezone.now() - LONG_AGO)
        _fresh_within(running, 5)
    assert "could not refresh the heartbeat" in caplog.text
