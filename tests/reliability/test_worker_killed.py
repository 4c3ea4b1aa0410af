"""`kill -9` of a Celery worker in the middle of work: nothing is left stuck, nothing is lost.

A training run whose worker dies is handed back to the queue by the recovery loop of a worker (the same
one when only its pool process died, a new one when the whole worker died) and finishes once; the version
that was active keeps answering predictions meanwhile. A search job whose worker dies is resumed the same
way: it keeps the photos it had already saved and tops the class up from there.
"""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

import pytest

from classifiers.models import ModelVersion, SearchJob, TrainingRun
from classifiers.services.prediction import predict_images
from classifiers.services.search_jobs import search_job_create
from classifiers.services.training import training_run_create
from tests.classifiers.conftest import add_photo, make_classifier, photos
from tests.fakes import images
from tests.fakes.search import FakeCommons, Listing
from tests.worker import celery_worker, database_url_of_test_db, process_env, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# Fast heartbeats and recovery so that a dead worker is noticed in seconds, not minutes.
FAST_RECOVERY = {
    "NANOWEB_HEARTBEAT_SECONDS": "1",
    "NANOWEB_TRAINING_STALE_SECONDS": "4",
    "NANOWEB_SEARCH_JOB_STALE_SECONDS": "4",
    "NANOWEB_RECOVERY_SECONDS": "1",
}


def worker_env(data_dir: Path, **extra: str) -> dict[str, str]:
    return process_env(DATABASE_URL=database_url_of_test_db(), NANOWEB_DATA_DIR=str(data_dir), **FAST_RECOVERY,
                       **extra)


def descendants(pid: int) -> list[int]:
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except FileNotFoundError:
            continue
        found.extend(int(child) for child in children)
        pending.extend(int(child) for child in children)
    return found


def kill_9(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):  # it may have died with its parent already
            os.kill(pid, signal.SIGKILL)


def finished_run(run_id, timeout: float) -> TrainingRun:
    def done():
        run = TrainingRun.objects.get(id=run_id)
        return run if run.status in (TrainingRun.Status.SUCCEEDED, TrainingRun.Status.FAILED) else None

    return wait_until(done, timeout=timeout, every=0.2, what="the training run to finish")


def embedding_has_started(run_id) -> bool:
    run = TrainingRun.objects.get(id=run_id)
    return run.status == TrainingRun.Status.RUNNING and run.stage.startswith("embedding") and run.progress < 0.6


@pytest.mark.parametrize("what_dies", ["pool process", "whole worker"])
def test_a_training_run_whose_worker_is_killed_finishes_once_and_the_old_version_keeps_serving(
    shared_data_dir, django_user_model, what_dies
):
    owner = django_user_model.objects.create_user("kim", "kim@example.org", "a-long-password-1")
    classes = {name: photos("clothing", name)[:10] for name in ("shoes", "hat")}
    classifier = make_classifier(owner, classes)
    held_out = photos("clothing", "shoes")[12]
    env = worker_env(shared_data_dir)

    with celery_worker(env) as worker:
        first = finished_run(training_run_create(classifier=classifier).id, timeout=240)
        assert first.status == "succeeded", first.error
        # Enough new photos that embedding them takes a few seconds: the kill lands mid-run.
        label = classifier.labels.get(name="shoes")
        for _ in range(12):
            for path in photos("clothing", "shoes") + photos("clothing", "pants"):
                add_photo(label, path)
        second = training_run_create(classifier=classifier)
        wait_until(lambda: embedding_has_started(second.id), timeout=120, what="the second run to start embedding")
        if what_dies == "pool process":
            kill_9(descendants(worker.pid))
        else:
            kill_9([*descendants(worker.pid), worker.pid])
            worker.wait(timeout=10)

        stuck = TrainingRun.objects.get(id=second.id)
        assert stuck.status in ("running", "queued")  # noticed at once, or a moment later
        classifier.refresh_from_db()
        assert classifier.active_version.number == 1
        answer = predict_images(classifier=classifier, images=[held_out.read_bytes()])[0]
        assert answer["version"] == 1 and answer["label"] == "shoes"

        if what_dies == "pool process":  # the same worker forks a new pool process and recovers the run
            second = finished_run(second.id, timeout=240)
    if what_dies == "whole worker":
        with celery_worker(env):  # a new worker finds the orphaned run and trains it
            second = finished_run(second.id, timeout=240)

    assert second.status == "succeeded", second.error
    assert second.attempts == 2
    assert list(ModelVersion.objects.filter(classifier=classifier).values_list("number", flat=True)) == [2, 1]
    classifier.refresh_from_db()
    assert classifier.active_version_id == second.version_id


def test_a_search_job_whose_worker_is_killed_is_resumed_and_keeps_its_photos(shared_data_dir, django_user_model, web):
    from classifiers.services.catalog import classifier_create

    owner = django_user_model.objects.create_user("lee", "lee@example.org", "a-long-password-1")
    label = classifier_create(owner=owner, name="Clothes", label_names=["dress"]).labels.get()
    # A slow stand-in: each photo takes a second to arrive, so the kill lands between photos.
    listings = [Listing(f"slow-{i}.jpg", url=web.file(f"/slow/{i}.jpg", images.photo(i), delay=1.0),
                        title=f"Photo {i}") for i in range(12)]
    fake = FakeCommons(web, listings)
    env = worker_env(shared_data_dir, NANOWEB_COMMONS_API_URL=fake.api_url, NANOWEB_ALLOW_PRIVATE_URLS="1",
                     NANOWEB_DOWNLOAD_WORKERS="1")
    with celery_worker(env) as worker:
        job = search_job_create(label=label, count=10, providers=["commons"])
        wait_until(lambda: label.photos.count() >= 2, timeout=120, what="two photos to be saved")
        kill_9([*descendants(worker.pid), worker.pid])
        worker.wait(timeout=10)
    saved = set(label.photos.values_list("id", flat=True))
    assert SearchJob.objects.get(id=job.id).status == "running"

    with celery_worker(env):  # the new worker sees the killed one's search at once, and resumes it
        job = wait_until(
            lambda: SearchJob.objects.filter(id=job.id).exclude(status__in=SearchJob.ACTIVE_STATUSES).first(),
            timeout=60, every=0.2, what="the search job to end",
        )
    assert job.status == "succeeded", job.error
    assert job.attempts == 2
    assert saved <= set(label.photos.values_list("id", flat=True))
    assert label.photos.count() == 10
    assert all((shared_data_dir / "media" / e.image.name).is_file() for e in label.photos.all())
