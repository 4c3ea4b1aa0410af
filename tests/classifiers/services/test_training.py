"""Training runs and versions through the service, on real photos and the real database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from classifiers.models import ModelVersion, Photo, PhotoFeature, TrainingRun
from classifiers.services import training
from classifiers.services.training import (
    training_run_cancel,
    training_run_create,
    training_run_execute,
    version_activate,
)
from nanoweb.celery import app as celery_app
from nanoweb.errors import Conflict, InvalidInput, NotFound, Unavailable
from tests.classifiers.conftest import add_photo, make_classifier, photos

Status = TrainingRun.Status


def train_now(classifier) -> TrainingRun:
    run = TrainingRun.objects.create(classifier=classifier)
    return training_run_execute(run_id=run.id)


def test_it_refuses_to_train_a_single_class_and_says_to_add_another(owner):
    classifier = make_classifier(owner, {"shoes": photos("clothing", "shoes", 3)})
    with pytest.raises(InvalidInput, match="at least 2 classes.*add another class"):
        training_run_create(classifier=classifier)
    assert not TrainingRun.objects.exists()


def test_it_refuses_a_class_with_one_photo_and_names_it(owner):
    classifier = make_classifier(owner, {"shoes": photos("clothing", "shoes", 3), "hat": photos("clothing", "hat", 1)})
    with pytest.raises(InvalidInput, match=r"add photos to 'hat' \(1\)"):
        training_run_create(classifier=classifier)


def test_a_second_run_is_refused_while_one_is_queued(clothes, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = training_run_create(classifier=clothes)
    assert first.status == Status.QUEUED
    with pytest.raises(Conflict, match="already training"):
        training_run_create(classifier=clothes)
    with pytest.raises(IntegrityError), transaction.atomic():  # the database refuses it too
        TrainingRun.objects.create(classifier=clothes)


def test_an_unreachable_queue_is_reported_and_leaves_no_run(clothes, django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:9/0")  # nothing listens on port 9
    monkeypatch.setattr(celery_app, "_pool", None)
    monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)
    queue_down = pytest.raises(Unavailable, match="cannot be reached.*nothing was started")
    with queue_down, django_capture_on_commit_callbacks(execute=True):
        training_run_create(classifier=clothes)
    assert not TrainingRun.objects.exists()


def test_a_successful_run_makes_version_1_active_with_honest_metrics(clothes):
    run = train_now(clothes)
    assert run.status == Status.SUCCEEDED, run.error
    assert run.progress == 1.0 and run.stage == "done" and run.finished_at
    clothes.refresh_from_db()
    version = clothes.active_version
    assert version.number == 1 and run.version_id == version.id
    assert [label["name"] for label in version.labels] == ["shoes", "hat", "pants"]
    metrics = run.metrics
    for key in (
        "accuracy",
        "per_label",
        "confusion",
        "learning_curve",
        "misclassified",
        "head",
        "evaluation",
        "excluded",
    ):
        assert key in metrics, key
    assert metrics["embedded"] == {"new": 36, "from_cache": 0}
    assert all(set(m) == {"example_id", "label", "predicted", "confidence"} for m in metrics["misclassified"])
    assert PhotoFeature.objects.filter(backbone="efficientnet-lite0").count() == 36


def test_the_next_run_embeds_only_new_photos_and_becomes_version_2(clothes):
    train_now(clothes)
    new = {"shoes": 4, "hat": 4, "pants": 2}  # 10 new photos on top of 36
    for name, count in new.items():
        for path in photos("clothing", name)[12 : 12 + count]:
            add_photo(clothes.labels.get(name=name), path)
    second = train_now(clothes)
    assert second.metrics["embedded"] == {"new": 10, "from_cache": 36}
    clothes.refresh_from_db()
    assert clothes.active_version.number == 2
    assert ModelVersion.objects.filter(classifier=clothes).count() == 2


def test_an_older_version_can_be_made_active_again(clothes):
    train_now(clothes)
    train_now(clothes)
    version_activate(classifier=clothes, number=1)
    clothes.refresh_from_db()
    assert clothes.active_version.number == 1
    with pytest.raises(NotFound, match="no version 7"):
        version_activate(classifier=clothes, number=7)


def test_a_failed_run_says_why_and_leaves_the_active_version(clothes):
    train_now(clothes)
    Photo.objects.filter(label__name="hat").exclude(id=Photo.objects.filter(label__name="hat").first().id).delete()
    failed = train_now(clothes)
    assert failed.status == Status.FAILED
    assert "add photos to 'hat' (1)" in failed.error
    clothes.refresh_from_db()
    assert clothes.active_version.number == 1


def test_running_the_same_run_twice_trains_once(clothes):
    run = TrainingRun.objects.create(classifier=clothes)
    assert training_run_execute(run_id=run.id).status == Status.SUCCEEDED
    assert training_run_execute(run_id=run.id) is None
    assert ModelVersion.objects.filter(classifier=clothes).count() == 1


def test_a_run_left_running_by_a_dead_worker_is_taken_over(clothes):
    stale = timezone.now() - timedelta(hours=1)
    run = TrainingRun.objects.create(classifier=clothes, status=Status.RUNNING, heartbeat_at=stale, attempts=1)
    assert training_run_execute(run_id=run.id).status == Status.SUCCEEDED
    run.refresh_from_db()
    assert run.attempts == 2
    fresh = TrainingRun.objects.create(classifier=clothes, status=Status.RUNNING, heartbeat_at=timezone.now())
    assert training_run_execute(run_id=fresh.id) is None  # its worker is alive: not ours


def test_a_queued_run_is_cancelled_at_once_and_train_works_again(clothes, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        run = training_run_create(classifier=clothes)
    cancelled = training_run_cancel(run=run)
    assert (cancelled.status, cancelled.error) == (Status.CANCELLED, "Cancelled. The version that was active "
                                                                     "before still is.")
    assert training_run_execute(run_id=run.id) is None  # its message, delivered later, runs nothing
    with django_capture_on_commit_callbacks(execute=False):
        assert training_run_create(classifier=clothes).status == Status.QUEUED
    with pytest.raises(Conflict, match=r"already ended \(cancelled\); there is nothing to cancel"):
        training_run_cancel(run=cancelled)


def cancel_during(monkeypatch, target: str, run_id) -> None:
    """Cancel the run, as a person would from the page, while the worker is inside `target`."""
    real = getattr(training, target)

    def cancelling(*args, **kwargs):
        result = real(*args, **kwargs)
        training_run_cancel(run=TrainingRun.objects.get(id=run_id))
        return result

    monkeypatch.setattr(training, target, cancelling)


@pytest.mark.parametrize("while_", ["features_for", "_execute_save"])
def test_a_running_run_that_is_cancelled_stops_and_never_touches_the_active_version(clothes, monkeypatch, settings,
                                                                                    while_):
    first = train_now(clothes)
    run = TrainingRun.objects.create(classifier=clothes)
    if while_ == "features_for":  # stops at its next progress write
        cancel_during(monkeypatch, "features_for", run.id)
    else:  # cancelled while the model is being written: the last step before the switch
        real_save = training.artifacts.save

        def save_then_cancel(*args, **kwargs):
            real_save(*args, **kwargs)
            training_run_cancel(run=TrainingRun.objects.get(id=run.id))

        monkeypatch.setattr(training.artifacts, "save", save_then_cancel)
    run = training_run_execute(run_id=run.id)
    assert (run.status, run.error, run.version) == (Status.CANCELLED, "Cancelled. The version that was active "
                                                                      "before still is.", None)
    clothes.refresh_from_db()
    assert clothes.active_version_id == first.version_id
    assert ModelVersion.objects.filter(classifier=clothes).count() == 1
    assert not (settings.ARTIFACTS_DIR / str(clothes.id) / str(run.id)).exists()
    monkeypatch.undo()
    assert train_now(clothes).status == Status.SUCCEEDED  # and training works again


def test_a_run_taken_over_by_another_worker_stops_writing_progress(clothes):
    run = TrainingRun.objects.create(classifier=clothes, status=Status.RUNNING, attempts=1)
    report = training._Reporter(run)
    report("embedding 1/2", 0.1, force=True)
    TrainingRun.objects.filter(id=run.id).update(attempts=2)  # re-claimed after its heartbeat went stale
    with pytest.raises(training._NoLongerOurs):
        report("embedding 2/2", 0.2, force=True)
    assert TrainingRun.objects.get(id=run.id).stage == "embedding 1/2"


def test_open_licences_only_trains_on_open_photos_and_counts_the_rest(owner):
    classifier = make_classifier(owner, {}, open_licenses_only=True)
    licences = ["CC BY-SA 4.0", "CC0 1.0", "Public domain", "CC BY-NC 2.0", ""]
    for name in ("shoes", "hat"):
        label = classifier.labels.create(name=name)
        for path, licence in zip(photos("clothing", name, 5), licences, strict=True):
            add_photo(label, path, license=licence)
    run = train_now(classifier)
    assert run.status == Status.SUCCEEDED, run.error
    excluded = run.metrics["excluded"]
    assert excluded["count"] == 4
    assert excluded["reasons"] == {"licence 'CC BY-NC 2.0' is not open": 2, "no licence recorded": 2}
    assert run.metrics["examples"] + len(run.metrics["left_out"]) == 6  # left out: near-certainly wrong


def test_open_licences_only_refuses_when_too_few_open_photos_remain(owner):
    classifier = make_classifier(owner, {}, open_licenses_only=True)
    for name in ("shoes", "hat"):
        label = classifier.labels.create(name=name)
        for path in photos("clothing", name, 3):
            add_photo(label, path, license="All rights reserved")
    with pytest.raises(InvalidInput, match="without an open licence were left out"):
        training_run_create(classifier=classifier)


def test_a_wrong_photo_is_flagged_for_review_unless_a_person_kept_it(clothes):
    from tests.classifiers.conftest import ENGINE_DATA

    cat = add_photo(clothes.labels.get(name="shoes"), ENGINE_DATA / "imagenet" / "chelsea.jpg")
    train_now(clothes)
    cat.refresh_from_db()
    assert set(cat.flags) & {"outlier", "misclassified"}
    assert "shoes" in " ".join(cat.flags.values())

    cat.flags, cat.dismissed_flags = {}, ["outlier", "misclassified"]
    cat.save()
    train_now(clothes)
    cat.refresh_from_db()
    assert cat.flags == {}
