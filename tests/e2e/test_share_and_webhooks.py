"""Issue 18, parts 6 and 7, as people meet them in a real browser:

- the owner makes a share link on the API page; a visitor who is not logged in (a fresh browser, no cookies)
  opens it, sees the classes and gets an answer for a photo, which the log keeps with source "share"; the
  owner stops sharing and the visitor's next visit is the "Not found" page;
- the owner adds a webhook on the API page and copies its secret, shown once; pressing Train has a real
  Celery worker train and then call the address: a real HTTP server on 127.0.0.1 receives the call, whose
  signature checks out with that secret, and the API page lists what the server answered.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from playwright.sync_api import expect

from classifiers.models import Classifier, Prediction
from classifiers.services.catalog import classifier_create
from classifiers.services.predictions_log import prediction_log_flush
from classifiers.services.training import training_run_create, training_run_execute
from classifiers.services.uploads import photos_add_uploads
from tests.e2e.conftest import DESKTOP, PHOTOS, log_in, screenshot
from tests.fakes.web import FakeWeb, Reply

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TRAINING_SECONDS = 240  # a first training also warms the backbone up, on a busy 2-core machine


def hats_and_shoes(owner) -> Classifier:
    classifier = classifier_create(owner=owner, name="Hats or shoes", label_names=["hat", "shoes"])
    for name, numbers in (("hat", range(21, 30)), ("shoes", range(20, 29))):
        photos_add_uploads(label=classifier.labels.get(name=name), files=[
            SimpleUploadedFile(f"{name}-{n:04d}.jpg", (PHOTOS / f"{name}-{n:04d}.jpg").read_bytes()) for n in numbers])
    return classifier


@pytest.fixture
def trained(ada, monkeypatch) -> Classifier:
    monkeypatch.setattr("classifiers.services.jobs.job_send", lambda **kwargs: None)  # trained here, not queued
    classifier = hats_and_shoes(ada)
    with transaction.atomic():
        run = training_run_create(classifier=classifier)
    assert training_run_execute(run_id=run.id).status == "succeeded"
    return classifier


def test_a_visitor_uses_a_share_link_until_the_owner_stops_sharing(page, chromium, live_server, trained):
    log_in(page)
    page.goto(f"/classifiers/{trained.id}/api/")
    page.get_by_label("Who it is for (only you see this)").fill("shop window")
    page.get_by_role("button", name="Make a share link").click()
    expect(page.get_by_text("Link made. Anyone you give it to can try this classifier")).to_be_visible()
    address = page.locator("[data-share-address]").inner_text()
    assert address.startswith(f"{live_server.url}/s/")
    screenshot(page, "share-owner")

    visitor_context = chromium.new_context(viewport=DESKTOP)  # another person's browser: no cookies, no account
    visitor = visitor_context.new_page()
    try:
        visitor.goto(address)
        expect(visitor.get_by_role("heading", name="Hats or shoes")).to_be_visible()
        expect(visitor.get_by_text("It tells apart: hat, shoes.")).to_be_visible()
        expect(visitor.get_by_role("link", name="Log in")).to_be_visible()  # nobody is logged in here
        shown = visitor.locator("main").inner_text()
        for private in ("ada", "shop window", "Photos", "Train", "version"):
            assert private not in shown, f"the visitor sees {private!r}"
        expect(visitor.locator("form.try-drop.js")).to_be_attached()  # its script is ready for the file
        visitor.locator("#try-image").set_input_files(PHOTOS / "hat-0033.jpg")
        expect(visitor.locator("[data-verdict]")).to_have_text("hat", timeout=30_000)
        expect(visitor.locator("[data-bars] li")).to_have_count(2)
        screenshot(visitor, "share-visitor")
        assert prediction_log_flush(timeout=30)
        [kept] = Prediction.objects.filter(classifier=trained)
        assert (kept.source, kept.label_name) == ("share", "hat")

        page.once("dialog", lambda dialog: dialog.accept())  # "Stop sharing? Anyone with this link..."
        page.get_by_role("button", name="Stop sharing").click()
        expect(page.get_by_text("Sharing stopped: that link now leads nowhere.")).to_be_visible()
        expect(page.locator("[data-share-address]")).to_have_count(0)

        gone = visitor.goto(address)
        assert gone.status == 404
        expect(visitor.get_by_role("heading", name="Not found")).to_be_visible()
        expect(visitor.locator("#try-image")).to_have_count(0)
    finally:
        visitor_context.close()


def signed_by(secret: str, call) -> bool:
    """The check docs/webhooks.md tells a receiver to make."""
    timestamp = call.headers["x-nanoweb-timestamp"]
    expected = "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + call.body, hashlib.sha256).hexdigest()
    fresh = abs(time.time() - int(timestamp)) < 300
    return hmac.compare_digest(expected, call.headers["x-nanoweb-signature"]) and fresh


def test_a_training_ends_and_the_owner_s_server_receives_a_signed_call(page, ada, worker_with, settings):
    classifier = hats_and_shoes(ada)
    with FakeWeb() as receiver:
        calls = []
        address = receiver.route("/nanoweb", lambda call: calls.append(call) or Reply(200, b"got it", "text/plain"))
        worker_with(NANOWEB_ALLOW_PRIVATE_URLS="1", NANOWEB_WEBHOOK_RETRY_SECONDS="1")  # the receiver is on loopback

        log_in(page)
        page.goto(f"/classifiers/{classifier.id}/api/")
        page.get_by_label("Address to call").fill(address)
        page.get_by_label("A web search for photos ends").uncheck()  # only trainings
        page.get_by_role("button", name="Add this address").click()
        expect(page.get_by_text("Its secret — copy it now.")).to_be_visible()
        secret = page.locator("[data-webhook-secret] [data-secret]").inner_text()
        assert secret.startswith("whsec_")
        page.reload()
        expect(page.locator("[data-webhook-secret]")).to_have_count(0)  # shown once only
        expect(page.locator("[data-webhook-url]")).to_have_text(address)
        expect(page.locator("[data-webhook]")).to_contain_text("a training ends")

        page.goto(f"/classifiers/{classifier.id}/")
        page.get_by_role("button", name="Train", exact=True).click()
        deadline = time.monotonic() + TRAINING_SECONDS
        while not calls and time.monotonic() < deadline:
            time.sleep(0.5)
        assert calls, "no webhook call arrived"
        [call] = calls
        assert signed_by(secret, call)
        assert not signed_by("whsec_not-the-secret", call)
        body = json.loads(call.body)
        assert (body["event"], body["classifier_id"]) == ("training.finished", str(classifier.id))
        assert body["details"]["status"] == "succeeded" and body["details"]["version"] == 1
        assert 0 <= body["details"]["accuracy"] <= 1

        page.goto(f"/classifiers/{classifier.id}/api/")
        row = page.locator("[data-delivery]")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("a training ends")
        expect(row).to_contain_text("received")
        expect(row).to_contain_text(re.compile(r"200 in \d+ ms: got it"))
        screenshot(page, "webhooks-owner")
