"""Webhooks on the API page: a bad address is refused next to its field and what was typed stays; a good one
is added and its secret shown once (a reload shows it no more and adds nothing); a test call appears in the
list with what the address answered; removing it stops the calls. Another person finds none of it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from classifiers.models import Webhook, WebhookDelivery
from classifiers.services.webhooks import webhook_delivery_attempt
from tests.fakes.web import Reply


@pytest.fixture
def queued(monkeypatch):
    sent: list[str] = []
    monkeypatch.setattr("classifiers.services.webhooks.job_send", lambda *, task, job_id, **kw: sent.append(job_id))
    return sent


def test_an_owner_adds_tests_and_removes_a_webhook_on_the_api_page(ada, hats_and_shoes, web, loopback_allowed,
                                                                   queued, django_capture_on_commit_callbacks):
    client, page = ada[1], reverse("classifier_api", args=[hats_and_shoes.id])
    add = reverse("webhook_new", args=[hats_and_shoes.id])

    refused = client.post(add, {"url": "ftp://example.org/hook", "events": ["training.finished"],
                                "unknown_percent": "30"})
    html = refused.content.decode()
    assert refused.status_code == 400
    assert re.search(r'id="id_hook_url_error"[^>]*>\s*<li>Only http:// and https:// addresses', html)
    assert 'value="ftp://example.org/hook"' in html  # what was typed is still there
    nothing = client.post(add, {"url": "https://example.org/hook", "unknown_percent": "30"})
    assert nothing.status_code == 400 and not Webhook.objects.exists()

    address = web.route("/hook", lambda request: Reply(200, b"thanks, NanoWeb", "text/plain"))
    added = client.post(add, {"url": address, "events": ["training.finished", "unknown_share.high"],
                              "unknown_percent": "40"})
    assert added.status_code == 302 and added["Location"].endswith("#webhooks")
    hook = Webhook.objects.get()
    assert (hook.events, hook.unknown_share_threshold) == (["training.finished", "unknown_share.high"], 0.4)
    shown = client.get(page)
    assert "Its secret — copy it now." in shown.content.decode() and hook.secret in shown.content.decode()
    assert shown["Cache-Control"] == "no-store"
    again = client.get(page).content.decode()
    assert hook.secret not in again and "Its secret" not in again
    assert "a training ends; more than 40% of the last hour’s answers are “none of these”" in again
    assert "Not called yet." in again

    with django_capture_on_commit_callbacks(execute=True):
        tested = client.post(reverse("webhook_test", args=[hats_and_shoes.id, hook.id]))
    assert "Test call sent." in client.get(tested["Location"]).content.decode()
    assert "sending…" in client.get(page).content.decode()
    webhook_delivery_attempt(delivery_id=queued[0])  # what the worker's task does
    listed = client.get(page).content.decode()
    assert "received" in listed and "200 in" in listed and "thanks, NanoWeb" in listed

    removed = client.post(reverse("webhook_delete", args=[hats_and_shoes.id, hook.id]))
    assert "Webhook removed" in client.get(removed["Location"]).content.decode()
    assert not Webhook.objects.exists() and not WebhookDelivery.objects.exists()


def test_another_person_cannot_add_test_or_remove_ada_s_webhooks(ada, bob, hats_and_shoes, queued):
    hook = Webhook.objects.create(classifier=hats_and_shoes, url="https://example.org/hook", secret="s",
                                  events=["training.finished"])
    c = hats_and_shoes.id
    assert bob[1].post(reverse("webhook_new", args=[c]), {"url": "https://evil.example/",
                                                          "events": ["training.finished"]}).status_code == 404
    assert bob[1].post(reverse("webhook_test", args=[c, hook.id])).status_code == 404
    assert bob[1].post(reverse("webhook_delete", args=[c, hook.id])).status_code == 404
    assert list(Webhook.objects.values_list("url", flat=True)) == ["https://example.org/hook"]
    assert queued == [] and not WebhookDelivery.objects.exists()
