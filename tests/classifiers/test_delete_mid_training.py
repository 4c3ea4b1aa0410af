"""A classifier deleted while a real worker trains it leaves no trained model on disk: the worker neither
writes a version for a classifier that is gone, nor keeps one it wrote while the classifier was deleted."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction

from classifiers.models import Classifier, ModelVersion, TrainingRun
from classifiers.services.catalog import classifier_delete
from classifiers.services.training import training_run_create
from tests.classifiers.conftest import make_classifier, photos
from tests.worker import celery_worker, database_url_of_test_db, process_env, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def data_dir(settings) -> Path:
    """The worker and this test share one data folder: queue, photos and models."""
    if connection.vendor != "postgresql":
        pytest.skip("the worker shares the test database only on PostgreSQL (DATABASE_URL=postgres://...)")
    data_dir = Path(django_settings.DATA_DIR)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": data_dir / "media"}},
    }
    settings.ARTIFACTS_DIR = data_dir / "models"
    return data_dir


@pytest.fixture
def worker(data_dir):
    with celery_worker(process_env(DATABASE_URL=database_url_of_test_db(), NANOWEB_DATA_DIR=str(data_dir))) as w:
        yield w


def tasks_ended(worker) -> int:
    """Training tasks the worker ended, however: succeeded, or raised (as before a deleted classifier was
    handled). Counted, since a worker may first drain messages other tests left in the queue."""
    return sum("train_classifier" in line and (" succeeded " in line or " raised " in line) for line in worker.output)


def test_deleted_while_its_model_was_written_the_worker_removes_what_it_wrote(owner, data_dir, worker):
    classifier = make_classifier(owner, {name: photos("clothing", name, 6) for name in ("shoes", "hat")})
    models = data_dir / "models" / str(classifier.id)
    run = training_run_create(classifier=classifier)  # autocommit: the task is sent at once
    with transaction.atomic():
        # Holding the row makes the worker wait after writing its model folder and before making the version,
        # the moment a person's delete lands in: the rows go, the files the delete removed were not there yet.
        Classifier.objects.select_for_update().get(id=classifier.id)
        wait_until(lambda: (models / str(run.id) / "model.json").exists(), timeout=180,
                   what="the worker to write the model" + "".join(worker.output[-20:]))
        Classifier.objects.filter(id=classifier.id).delete()
        ended = tasks_ended(worker)
    wait_until(lambda: tasks_ended(worker) > ended, timeout=60, what="the task to end")
    assert not models.exists(), "".join(worker.output[-30:])
    assert not ModelVersion.objects.filter(classifier_id=classifier.id).exists()
    assert not TrainingRun.objects.filter(id=run.id).exists()


def test_deleted_through_the_service_while_training_leaves_no_model_on_disk(owner, data_dir, worker):
    classifier = make_classifier(owner, {name: photos("clothing", name, 6) for name in ("shoes", "hat")})
    models = data_dir / "models" / str(classifier.id)
    run = training_run_create(classifier=classifier)
    # Once the photos are embedded: the worker goes on training a classifier that is no longer there.
    wait_until(lambda: TrainingRun.objects.filter(id=run.id, progress__gte=0.7).exists(), timeout=180,
               what="the photos to be embedded")
    ended = tasks_ended(worker)
    classifier_delete(classifier=classifier)
    wait_until(lambda: tasks_ended(worker) > ended, timeout=60, what="the task to end")
    time.sleep(1)  # anything the worker would still write after its task ended
    assert not models.exists(), "".join(worker.output[-30:])
    assert not (data_dir / "media" / "examples" / str(classifier.id)).exists()
