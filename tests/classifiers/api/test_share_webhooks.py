"""Share links and webhooks through the API: make, list, change, revoke or remove; the secret shown once; the
delivery log; a visitor's answer through a link made here, and a 404 once it is revoked; all in the schema."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from classifiers.models import Webhook
from classifiers.services.webhooks import webhook_delivery_attempt
from tests.fakes.web import Reply

pytestmark = pytest.mark.django_db


def test_a_share_link_made_through_the_api_answers_a_visitor_until_it_is_revoked(trained):
    api, base = trained.owner.client, f"/api/v1/classifiers/{trained.classifier_id}/share-links/"
    made = api.post(base, {"name": "kiosk"}, format="json")
    assert made.status_code == 201, made.content
    link = made.json()
    assert set(link) == {"id", "name", "url", "created_at"} and link["name"] == "kiosk"
    assert link["url"].startswith("http://testserver/s/") and len(link["url"].rsplit("/", 2)[1]) >= 32
    listed = api.get(base).json()
    assert [item["id"] for item in listed["results"]] == [link["id"]]

    page = link["url"].removeprefix("http://testserver")
    hat = trained.held_out["hat"].read_bytes()
    visitor = Client()
    answer = visitor.post(page, {"image": SimpleUploadedFile("hat.jpg", hat)}, HTTP_ACCEPT="application/json")
    assert answer.status_code == 200 and answer.json()["answer"]["label"] == "hat"

    assert api.delete(f"{base}{link['id']}/").status_code == 204
    assert visitor.get(page).status_code == 404
    assert api.get(base).json()["results"] == []
    again = api.delete(f"{base}{link['id']}/")
    assert again.status_code == 404 and again.json()["error"]["code"] == "not_found"


def test_a_share_link_s_name_with_a_control_character_is_refused_in_words(ada, label):
    made = ada.client.post(f"/api/v1/classifiers/{label.classifier_id}/share-links/", {"name": "a\x07b"},
                           format="json")
    assert made.status_code == 400 and "invisible control character" in made.json()["error"]["message"]


def test_a_webhook_s_secret_is_shown_once_and_its_calls_are_logged(ada, label, web, loopback_allowed,
                                                                    django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr("classifiers.services.webhooks.job_send", lambda *, task, job_id, **kw: sent.append(job_id))
    base = f"/api/v1/classifiers/{label.classifier_id}/webhooks/"
    address = web.route("/hook", lambda request: Reply(202, b"queued on our side", "text/plain"))
    made = ada.client.post(base, {"url": address, "events": ["training.finished", "unknown_share.high"],
                                  "unknown_share_threshold": 0.25}, format="json")
    assert made.status_code == 201, made.content
    hook = made.json()
    assert hook["secret"].startswith("whsec_") and hook["secret"] == Webhook.objects.get().secret
    assert hook["unknown_share_threshold"] == 0.25
    listed = ada.client.get(base).json()["results"]
    assert [item["id"] for item in listed] == [hook["id"]] and "secret" not in listed[0]
    assert "secret" not in ada.client.get(f"{base}{hook['id']}/").json()

    with django_capture_on_commit_callbacks(execute=True):
        tested = ada.client.post(f"{base}{hook['id']}/test/")
    assert tested.status_code == 202 and tested.json()["event"] == "ping" and tested.json()["status"] == "pending"
    [delivery_id] = sent
    webhook_delivery_attempt(delivery_id=delivery_id)  # what the worker's task does
    log = ada.client.get(f"{base}{hook['id']}/deliveries/").json()["results"]
    assert [(d["event"], d["status"], d["response_status"], d["response_excerpt"]) for d in log] == [
        ("ping", "delivered", 202, "queued on our side")]

    changed = ada.client.patch(f"{base}{hook['id']}/", {"events": ["search.finished"]}, format="json")
    assert changed.status_code == 200
    assert (changed.json()["events"], changed.json()["unknown_share_threshold"]) == (["search.finished"], None)
    assert ada.client.delete(f"{base}{hook['id']}/").status_code == 204
    assert not Webhook.objects.exists()
    assert ada.client.get(f"{base}{hook['id']}/deliveries/").status_code == 404


def test_a_webhook_with_a_bad_address_or_event_or_threshold_is_refused_in_words(ada, label):
    base = f"/api/v1/classifiers/{label.classifier_id}/webhooks/"
    bad_url = ada.client.post(base, {"url": "ftp://example.org/x", "events": ["search.finished"]}, format="json")
    assert bad_url.status_code == 400 and "Only http:// and https://" in bad_url.json()["error"]["message"]
    assert bad_url.json()["error"]["details"]["field"] == "url"
    bad_event = ada.client.post(base, {"url": "https://example.org/x", "events": ["coffee.ready"]}, format="json")
    assert bad_event.status_code == 400 and "events" in bad_event.json()["error"]["details"]["fields"]
    none = ada.client.post(base, {"url": "https://example.org/x", "events": []}, format="json")
    assert none.status_code == 400
    too_high = ada.client.post(base, {"url": "https://example.org/x", "events": ["unknown_share.high"],
                                      "unknown_share_threshold": 1.5}, format="json")
    assert too_high.status_code == 400
    assert not Webhook.objects.exists()


def test_bob_cannot_see_or_touch_ada_s_links_and_webhooks(ada, bob, label):
    c = f"/api/v1/classifiers/{label.classifier_id}/"
    link = ada.client.post(c + "share-links/", {}, format="json").json()
    hook = ada.client.post(c + "webhooks/", {"url": "https://example.org/x", "events": ["search.finished"]},
                           format="json").json()
    for method, path in (("get", "share-links/"), ("post", "share-links/"), ("delete", f"share-links/{link['id']}/"),
                         ("get", "webhooks/"), ("get", f"webhooks/{hook['id']}/"),
                         ("delete", f"webhooks/{hook['id']}/"), ("post", f"webhooks/{hook['id']}/test/"),
                         ("get", f"webhooks/{hook['id']}/deliveries/")):
        response = getattr(bob.client, method)(c + path, {}, format="json")
        assert response.status_code == 404, (method, path, response.status_code)
    assert Webhook.objects.count() == 1


def test_the_schema_describes_share_links_and_webhooks(nobody):
    paths = nobody.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    c = "/api/v1/classifiers/{classifier_id}/"
    assert {"get", "post"} <= set(paths[c + "share-links/"]) and "delete" in paths[c + "share-links/{link_id}/"]
    assert {"get", "post"} <= set(paths[c + "webhooks/"])
    assert {"get", "patch", "delete"} <= set(paths[c + "webhooks/{webhook_id}/"])
    assert "get" in paths[c + "webhooks/{webhook_id}/deliveries/"]
    assert "post" in paths[c + "webhooks/{webhook_id}/test/"]
    assert "HMAC-SHA256" in paths[c + "webhooks/"]["post"]["description"]
