"""The prediction log forgets on time: answers past their classifier's retention go with their photos, in
bounded batches, from the workers' recovery loop; photos go when their owner stops keeping them; and a
deleted classifier takes its kept photos with it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from classifiers.models import Classifier, Prediction, PredictionTally
from classifiers.services.catalog import classifier_delete
from classifiers.services.cleanup import classifier_files_delete
from classifiers.services.predictions_cleanup import prediction_photos_forget, predictions_expire
from classifiers.services.recovery import recovery_round
from tests.classifiers.prediction_log import answer, log, real_photo, versions_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(owner) -> Classifier:
    classifier = Classifier.objects.create(owner=owner, name="Shop")
    versions_make(classifier, 1)
    return classifier


def days(n: float) -> timedelta:
    return timedelta(days=n)


def test_answers_past_the_default_retention_go_with_their_photos_and_newer_ones_stay(shop, settings):
    settings.PREDICTION_RETENTION_DAYS = 30
    old = log(answer(shop, ago=days(31), picture=real_photo()), answer(shop, ago=days(40)))
    new = log(answer(shop, ago=days(29), picture=real_photo()))
    old_photo = Prediction.objects.get(id=old[0].id).photo.name
    assert default_storage.exists(old_photo)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("django.db.transaction.on_commit", lambda run: run())  # the test's transaction never commits
        assert predictions_expire() == 2

    assert list(Prediction.objects.values_list("id", flat=True)) == [new[0].id]
    assert not default_storage.exists(old_photo)
    assert default_storage.exists(Prediction.objects.get().photo.name)


def test_an_owner_chosen_retention_counts_for_that_classifier_only(shop, owner, settings):
    settings.PREDICTION_RETENTION_DAYS = 30
    brief = Classifier.objects.create(owner=owner, name="Brief", prediction_retention_days=7)
    versions_make(brief, 1)
    log(answer(shop, ago=days(10)), answer(brief, ago=days(10)), answer(brief, ago=days(3)))

    assert predictions_expire() == 1
    assert sorted(Prediction.objects.values_list("classifier__name", flat=True)) == ["Brief", "Shop"]
    assert not Prediction.objects.filter(classifier=brief, created_at__lt=timezone.now() - days(7)).exists()


def test_a_backlog_is_removed_in_bounded_batches_oldest_first(shop, settings):
    settings.PREDICTION_RETENTION_DAYS = 1
    entries = log(*[answer(shop, ago=days(2) + timedelta(minutes=i)) for i in range(7)])
    oldest_first = [e.id for e in sorted(entries, key=lambda e: e.created_at)]

    assert predictions_expire(limit=3) == 3
    assert set(Prediction.objects.values_list("id", flat=True)) == set(oldest_first[3:])
    assert predictions_expire(limit=3) == 3
    assert predictions_expire(limit=3) == 1
    assert predictions_expire(limit=3) == 0


def test_the_daily_counts_go_once_their_whole_day_is_past_retention(shop, settings):
    settings.PREDICTION_RETENTION_DAYS = 5
    log(answer(shop, ago=days(9)), answer(shop, ago=days(1)))
    assert PredictionTally.objects.filter(measure="answers").count() == 2

    predictions_expire()
    [kept] = PredictionTally.objects.filter(measure="answers")
    assert kept.day == timezone.localdate(timezone.now() - days(1))


def test_turning_photo_keeping_off_deletes_the_photos_kept_so_far_but_keeps_the_answers(shop):
    log(*[answer(shop, picture=real_photo()) for _ in range(3)])
    names = list(Prediction.objects.values_list("photo", flat=True))
    assert all(default_storage.exists(name) for name in names)
    assert prediction_photos_forget() == 0  # still keeping

    Classifier.objects.filter(id=shop.id).update(keep_prediction_photos=False)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("django.db.transaction.on_commit", lambda run: run())
        assert prediction_photos_forget(limit=2) == 2
        assert prediction_photos_forget(limit=2) == 1
    assert Prediction.objects.count() == 3 and not Prediction.objects.exclude(photo="").exists()
    assert not any(default_storage.exists(name) for name in names)


def test_the_workers_recovery_round_expires_answers(shop, settings, monkeypatch):
    monkeypatch.setattr("classifiers.services.recovery.worker_report", lambda active: None)
    monkeypatch.setattr("classifiers.services.recovery.queued_jobs_resend", lambda me: {})
    settings.PREDICTION_RETENTION_DAYS = 2
    log(answer(shop, ago=days(3)), answer(shop, ago=days(4)), answer(shop))

    assert recovery_round(active=0)["expired_answers"] == 2
    assert Prediction.objects.count() == 1


def test_a_deleted_classifier_takes_its_kept_photos_with_it(shop):
    log(answer(shop, picture=real_photo()))
    name = Prediction.objects.get().photo.name
    assert name.startswith(f"predictions/{shop.id}/") and default_storage.exists(name)
    classifier_id = shop.id

    classifier_delete(classifier=shop)
    classifier_files_delete(classifier_id=classifier_id)  # what runs once the deletion commits

    assert not Prediction.objects.exists()
    assert not default_storage.exists(name)
    assert not default_storage.exists(f"predictions/{classifier_id}")
