"""A training run queued the way a page queues it is trained by a real Celery worker process; the same
task delivered again changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from classifiers.models import ModelVersion, TrainingRun
from classifiers.services.prediction import predict_images
from classifiers.services.training import training_run_create
from classifiers.tasks import train_classifier
from tests.classifiers.conftest import make_classifier, photos
from tests.worker import celery_worker, database_url_of_test_db, process_env, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shared_data_dir(settings) -> Path:
    """The worker and this test share one data folder: queue, photos and models."""
    if connection.vendor != "postgresql":
        pytest.skip("the worker shares the test database only on PostgreSQL (DATABASE_URL=postgres://...)")
    data_dir = Path(django_settings.DATA_DIR)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": data_dir / "media"},
        },
    }
    settings.ARTIFACTS_DIR = data_dir / "models"
    return data_dir


def test_a_real_worker_trains_a_queued_run_once_even_when_the_task_comes_twice(owner, shared_data_dir):
    classifier = make_classifier(owner, {name: photos("clothing", name, 6) for name in ("shoes", "hat")})
    env = process_env(DATABASE_URL=database_url_of_test_db(), NANOWEB_DATA_DIR=str(shared_data_dir))
    with celery_worker(env) as worker:
        run = training_run_create(classifier=classifier)  # autocommit: the task is sent at once
        wait_until(
            lambda: TrainingRun.objects.get(id=run.id).status in ("succeeded", "failed"), timeout=180, what="training"
        )
        run.refresh_from_db()
        assert run.status == "succeeded", run.error + "".join(worker.output[-40:])
        assert run.attempts == 1 and run.progress == 1.0
        # The worker process loaded PyTorch and the backbone as it started (classifiers/warmup.py).
        wait_until(
            lambda: any("ready to train: PyTorch and the efficientnet-lite0 float backbone loaded" in line
                        for line in worker.output),
            timeout=60,
            what="the worker's warm-up",
        )

        train_classifier.delay(str(run.id))  # the broker delivers the same task again
        wait_until(
            lambda: sum("train_classifier" in line and "succeeded" in line for line in worker.output) >= 2,
            timeout=60,
            what="the second delivery",
        )
    assert ModelVersion.objects.filter(classifier=classifier).count() == 1
    run.refresh_from_db()
    assert run.attempts == 1
    classifier.refresh_from_db()
    answer = predict_images(classifier=classifier, images=[photos("clothing", "hat")[10].read_bytes()])[0]
    assert answer["label"] == "hat" and answer["version"] == 1
