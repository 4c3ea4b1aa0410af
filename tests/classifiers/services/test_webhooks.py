"""Webhook calls as a receiving server sees them: a signed JSON body, retried with growing pauses when the
server fails, never sent to a private address unless allowed, one delivery per ended job and webhook.

The calls are real HTTP to a stand-in server on 127.0.0.1 (tests/fakes/web.py); the task that makes each try
is stood in for by calling its service here (tests/classifiers/test_webhook_worker.py runs the real worker).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
from django.contrib.auth import get_user_model

from classifiers.models import SearchJob, TrainingRun, Webhook, WebhookDelivery
from classifiers.services.catalog import classifier_create
from classifiers.services.jobs import job_fail
from classifiers.services.search_jobs import search_job_cancel
from classifiers.services.webhooks import webhook_create, webhook_delivery_attempt, webhook_ping
from tests.fakes.web import Reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def classifier():
    owner = get_user_model().objects.create_user("ada", "ada@example.org", "correct-horse-battery-9")
    return classifier_create(owner=owner, name="Hats or shoes", label_names=["hat", "shoes"])


@pytest.fixture
def queued(monkeypatch):
    """The ids of the deliveries whose task was sent (the broker stands out of these tests)."""
    sent: list[str] = []
    monkeypatch.setattr("classifiers.services.webhooks.job_send",
                        lambda *, task, job_id, **kw: sent.append((task, str(job_id))))
    return sent


def signature_is_valid(secret: str, request) -> bool:
    """What a receiver does (docs/webhooks.md): the HMAC of "timestamp.body" with the secret, compared in
    constant time, and a timestamp of the last five minutes."""
    timestamp = request.headers["x-nanoweb-timestamp"]
    expected = "sha256=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + request.body,
                                    hashlib.sha256).hexdigest()
    fresh = abs(time.time() - int(timestamp)) < 300
    return fresh and hmac.compare_digest(expected, request.headers["x-nanoweb-signature"])


def test_a_test_call_reaches_the_server_signed_with_the_secret_and_its_answer_is_logged(
        classifier, web, loopback_allowed, queued, django_capture_on_commit_callbacks):
    address = web.route("/hook", lambda request: Reply(200, b'{"thanks": true}', "application/json"))
    hook = webhook_create(classifier=classifier, url=address, events=["training.finished"])
    with django_capture_on_commit_callbacks(execute=True):
        delivery = webhook_ping(webhook=hook)
    assert queued == [("classifiers.deliver_webhook", str(delivery.id))]

    assert webhook_delivery_attempt(delivery_id=delivery.id) is None  # delivered: nothing more to do
    [call] = web.requests
    assert call.method == "POST" and call.headers["content-type"] == "application/json"
    assert signature_is_valid(hook.secret, call)
    body = json.loads(call.body)
    assert body["event"] == "ping" and body["classifier_id"] == str(classifier.id)
    assert body["classifier_name"] == "Hats or shoes" and "test call" in body["details"]["message"]
    assert call.headers["x-nanoweb-event"] == "ping" and call.headers["x-nanoweb-delivery"] == str(delivery.id)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("delivered", 1, 200)
    assert delivery.response_excerpt == '{"thanks": true}' and delivery.error == ""
    # Another secret does not produce the signature: the check above could fail.
    assert not signature_is_valid("whsec_someone-else", call)


def test_a_failing_server_is_tried_again_after_growing_pauses_then_given_up_in_words(
        classifier, web, loopback_allowed, queued, settings):
    settings.WEBHOOK_ATTEMPTS, settings.WEBHOOK_RETRY_SECONDS = 3, 10
    address = web.route("/hook", lambda request: Reply(500, b"database is down", "text/plain"))
    delivery = webhook_ping(webhook=webhook_create(classifier=classifier, url=address, events=["search.finished"]))

    assert webhook_delivery_attempt(delivery_id=delivery.id) == 10
    delivery.refresh_from_db()
    assert delivery.status == "pending" and "answered 500" in delivery.error and "again in 10 s" in delivery.error
    assert webhook_delivery_attempt(delivery_id=delivery.id) == 20
    assert webhook_delivery_attempt(delivery_id=delivery.id) is None
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("failed", 3, 500)
    assert delivery.response_excerpt == "database is down"
    assert "Gave up after 3 tries" in delivery.error
    assert web.hits("/hook") == 3
    # A further copy of the task (sent twice by the queue) calls no more.
    assert webhook_delivery_attempt(delivery_id=delivery.id) is None and web.hits("/hook") == 3


def test_a_private_address_is_never_called_and_not_retried(classifier, web, queued):
    address = web.route("/hook", lambda request: Reply(200, b"ok"))  # 127.0.0.1, refused by default
    delivery = webhook_ping(webhook=webhook_create(classifier=classifier, url=address, events=["search.finished"]))
    assert webhook_delivery_attempt(delivery_id=delivery.id) is None
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "private network" in delivery.error
    assert web.hits("/hook") == 0


def test_a_redirect_is_not_followed_and_says_which_address_to_give(classifier, web, loopback_allowed, queued,
                                                                    settings):
    settings.WEBHOOK_ATTEMPTS = 1
    elsewhere = web.route("/elsewhere", lambda request: Reply(200, b"ok"))
    address = web.redirect("/hook", elsewhere, status=307)
    delivery = webhook_ping(webhook=webhook_create(classifier=classifier, url=address, events=["search.finished"]))
    assert webhook_delivery_attempt(delivery_id=delivery.id) is None
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.response_status == 307 and "redirect" in delivery.error
    assert web.hits("/elsewhere") == 0


def test_a_server_too_slow_to_answer_costs_one_try_within_the_time_limit(classifier, web, loopback_allowed, queued,
                                                                          settings):
    settings.WEBHOOK_TIMEOUT, settings.WEBHOOK_ATTEMPTS = 1, 2
    address = web.route("/hook", lambda request: Reply(200, b"late", delay=3))
    delivery = webhook_ping(webhook=webhook_create(classifier=classifier, url=address, events=["search.finished"]))
    started = time.monotonic()
    assert webhook_delivery_attempt(delivery_id=delivery.id) == settings.WEBHOOK_RETRY_SECONDS
    assert time.monotonic() - started < 2.5
    delivery.refresh_from_db()
    assert delivery.status == "pending" and "did not answer in time" in delivery.error


def test_an_ended_training_is_announced_once_to_each_webhook_that_wants_it(
        classifier, web, loopback_allowed, queued, django_capture_on_commit_callbacks):
    wants = webhook_create(classifier=classifier, url=web.url("/a"), events=["training.finished"])
    webhook_create(classifier=classifier, url=web.url("/b"), events=["search.finished"])
    run = TrainingRun.objects.create(classifier=classifier, status="running")
    with django_capture_on_commit_callbacks(execute=True):
        job_fail(TrainingRun.objects.filter(id=run.id), error="The photos could not be read.")
    with django_capture_on_commit_callbacks(execute=True):  # announced again by a second process
        job_fail(TrainingRun.objects.filter(id=run.id), error="again")

    [delivery] = WebhookDelivery.objects.all()
    assert delivery.webhook == wants and delivery.event == "training.finished"
    details = json.loads(delivery.body)["details"]
    assert details == {"run_id": str(run.id), "status": "failed", "error": "The photos could not be read.",
                       "version": None, "accuracy": None}
    assert queued == [("classifiers.deliver_webhook", str(delivery.id))]


def test_a_cancelled_search_is_announced_with_its_class_and_words(classifier, web, loopback_allowed, queued,
                                                                   django_capture_on_commit_callbacks):
    webhook_create(classifier=classifier, url=web.url("/a"), events=["search.finished"])
    job = SearchJob.objects.create(label=classifier.labels.get(name="hat"), query="felt hat", requested=10)
    with django_capture_on_commit_callbacks(execute=True):
        search_job_cancel(job=job)
    [delivery] = WebhookDelivery.objects.all()
    details = json.loads(delivery.body)["details"]
    assert (details["status"], details["label"], details["query"]) == ("cancelled", "hat", "felt hat")
    assert "Cancelled before it started" in details["error"]


def test_a_classifier_without_webhooks_costs_an_ended_job_nothing(classifier, queued,
                                                                  django_capture_on_commit_callbacks):
    run = TrainingRun.objects.create(classifier=classifier, status="running")
    with django_capture_on_commit_callbacks(execute=True):
        assert job_fail(TrainingRun.objects.filter(id=run.id), error="x") == 1
    assert not WebhookDelivery.objects.exists() and queued == []
    assert Webhook.objects.count() == 0


def docs_check():
    """The receiver's check as docs/webhooks.md prints it, run as written."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[3] / "docs" / "webhooks.md").read_text()
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(compile(code, "docs/webhooks.md", "exec"), namespace)  # noqa: S102 - our own documentation
    return namespace["nanoweb_call_is_genuine"]


def test_the_check_in_the_docs_accepts_a_real_call_and_refuses_a_replayed_or_altered_one(
        classifier, web, loopback_allowed, queued):
    address = web.route("/hook", lambda request: Reply(200, b"ok"))
    hook = webhook_create(classifier=classifier, url=address, events=["search.finished"])
    webhook_delivery_attempt(delivery_id=webhook_ping(webhook=hook).id)
    [call] = web.requests
    headers = {"X-NanoWeb-Timestamp": call.headers["x-nanoweb-timestamp"],
               "X-NanoWeb-Signature": call.headers["x-nanoweb-signature"]}
    genuine = docs_check()
    assert genuine(hook.secret, headers, call.body)
    assert not genuine(hook.secret, headers, call.body.replace(b"ping", b"pong"))
    assert not genuine("whsec_another", headers, call.body)
    # The same call played back ten minutes later: its signature is still right, its timestamp too old.
    old = str(int(call.headers["x-nanoweb-timestamp"]) - 600)
    signed_old = "sha256=" + hmac.new(hook.secret.encode(), old.encode() + b"." + call.body,
                                      hashlib.sha256).hexdigest()
    assert not genuine(hook.secret, {"X-NanoWeb-Timestamp": old, "X-NanoWeb-Signature": signed_old}, call.body)


def test_a_search_that_ran_is_announced_when_it_ends_with_what_it_brought(
        classifier, web, loopback_allowed, queued, settings, django_capture_on_commit_callbacks):
    from django.db import transaction

    from classifiers.services.search_jobs import search_job_create, search_job_execute
    from tests.classifiers.services.test_search_jobs import photo_listings
    from tests.fakes.search import FakeCommons

    settings.COMMONS_API_URL = FakeCommons(web, photo_listings()).api_url
    webhook_create(classifier=classifier, url=web.url("/hook"), events=["search.finished"])
    with transaction.atomic():  # queued on commit, which the test's transaction holds back: it runs here
        job = search_job_create(label=classifier.labels.get(name="hat"), count=4, providers=["commons"])
    with django_capture_on_commit_callbacks(execute=True):
        search_job_execute(job_id=job.id)
    [delivery] = WebhookDelivery.objects.all()
    details = json.loads(delivery.body)["details"]
    assert (delivery.event, details["status"], details["label"], details["downloaded"]) == (
        "search.finished", "succeeded", "hat", 4)
    assert queued == [("classifiers.deliver_webhook", str(delivery.id))]


def test_a_pending_call_whose_message_was_lost_is_sent_again_once(classifier, queued):
    from datetime import timedelta

    from django.utils import timezone

    from classifiers.services.webhooks import webhook_deliveries_resend

    hook = webhook_create(classifier=classifier, url="https://example.org/hook", events=["search.finished"])
    lost, waiting, done = (webhook_ping(webhook=hook) for _ in range(3))  # their tasks were never sent
    long_ago = timezone.now() - timedelta(minutes=20)
    WebhookDelivery.objects.filter(id=lost.id).update(next_attempt_at=long_ago)
    WebhookDelivery.objects.filter(id=done.id).update(next_attempt_at=long_ago, status="delivered")
    # `waiting` is due about now: a worker may well hold its message, so it is left alone.
    assert webhook_deliveries_resend() == 1
    assert queued == [("classifiers.deliver_webhook", str(lost.id))]
    assert webhook_deliveries_resend() == 0  # once, not at every round of the recovery loop
    assert WebhookDelivery.objects.get(id=waiting.id).status == "pending"
