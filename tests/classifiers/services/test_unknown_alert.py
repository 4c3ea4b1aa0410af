"""The "none of these" alert: one call each time the last hour's share of "none of these" answers goes above
the owner's threshold (given enough answers), none while it stays there, and a new one after it fell back
under and rose again. Judged from the real prediction log, off the answer path."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from classifiers.models import ModelVersion, Prediction, Webhook, WebhookDelivery
from classifiers.services.catalog import classifier_create
from classifiers.services.predictions_log import prediction_log_flush, prediction_record
from classifiers.services.unknown_alert import unknown_share_check
from classifiers.services.webhooks import webhook_create


def make_classifier(username: str = "ada"):
    owner = get_user_model().objects.create_user(username, f"{username}@example.org", "correct-horse-battery-9")
    classifier = classifier_create(owner=owner, name="Hats or shoes", label_names=["hat", "shoes"])
    ModelVersion.objects.create(classifier=classifier, number=1, artifact="none", backbone="b", labels=[])
    return classifier


def answers(classifier, *, known: int = 0, unknown: int = 0, ago: timedelta = timedelta(minutes=5)) -> None:
    """Log rows as the log's writer makes them."""
    at = timezone.now() - ago
    Prediction.objects.bulk_create([
        Prediction(classifier=classifier, created_at=at, source="share", label_name="hat", confidence=0.4,
                   unknown=is_unknown, unknown_score=0.9 if is_unknown else 0.1, margin=0.1, latency_ms=20)
        for is_unknown in [False] * known + [True] * unknown
    ])


@pytest.fixture
def queued(monkeypatch):
    sent: list[tuple] = []
    record = lambda *, task, job_id, countdown=None, **kw: sent.append((task, str(job_id), countdown))  # noqa: E731
    monkeypatch.setattr("classifiers.services.webhooks.job_send", record)
    monkeypatch.setattr("classifiers.services.unknown_alert.job_send", record)
    return sent


@pytest.mark.django_db
def test_one_call_per_crossing_of_the_threshold_and_another_after_falling_back(queued, settings,
                                                                                django_capture_on_commit_callbacks):
    settings.UNKNOWN_ALERT_MIN_ANSWERS = 10
    classifier = make_classifier()
    hook = webhook_create(classifier=classifier, url="https://example.org/hook", events=["unknown_share.high"],
                          unknown_share_threshold=0.5)
    webhook_create(classifier=classifier, url="https://example.org/other", events=["training.finished"])
    answers(classifier, unknown=50, ago=timedelta(hours=2))  # yesterday's trouble is not this hour's
    answers(classifier, known=2, unknown=5)
    assert unknown_share_check(classifier_id=classifier.id) == 0  # 71 % of 7 answers: too few to judge

    answers(classifier, unknown=3)  # 8 of 10
    with django_capture_on_commit_callbacks(execute=True):
        assert unknown_share_check(classifier_id=classifier.id) == 1
        assert unknown_share_check(classifier_id=classifier.id) == 0  # still above: no second call
    [delivery] = WebhookDelivery.objects.all()
    assert delivery.webhook == hook and delivery.event == "unknown_share.high"
    assert json.loads(delivery.body)["details"] == {"unknown_share": 0.8, "threshold": 0.5, "answers": 10,
                                                    "unknown_answers": 8, "window_minutes": 60}
    assert queued == [("classifiers.deliver_webhook", str(delivery.id), None)]

    answers(classifier, known=10)  # 8 of 20: back under
    assert unknown_share_check(classifier_id=classifier.id) == 0
    assert Webhook.objects.get(id=hook.id).unknown_alert_raised is False
    answers(classifier, unknown=5)  # 13 of 25: above again
    assert unknown_share_check(classifier_id=classifier.id) == 1
    assert WebhookDelivery.objects.filter(webhook=hook).count() == 2


@pytest.mark.django_db(transaction=True)
def test_logged_answers_have_the_share_judged_at_most_once_a_window_and_only_when_someone_listens(queued, settings):
    settings.UNKNOWN_ALERT_CHECK_SECONDS = 30
    watched, quiet = make_classifier("ada"), make_classifier("bob")
    webhook_create(classifier=watched, url="https://example.org/hook", events=["unknown_share.high"])
    webhook_create(classifier=quiet, url="https://example.org/hook", events=["training.finished"])
    answer = {"version": 1, "label": "hat", "unknown": True, "confidence": 0.4, "unknown_score": 0.9,
              "probabilities": {"hat": 0.4, "shoes": 0.6}}
    for _ in range(3):
        for classifier in (watched, quiet):
            classifier.keep_prediction_photos = False
            prediction_record(classifier=classifier, source="share", answers=[answer], pictures=[("x.jpg", b"")],
                              latency_ms=12)
        assert prediction_log_flush(timeout=30)
    assert Prediction.objects.count() == 6  # every answer was kept...
    # ...and one check of the watched classifier was asked for, at the end of its window.
    assert queued == [("classifiers.check_unknown_share", str(watched.id), 30)]
