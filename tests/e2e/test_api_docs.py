"""/api/docs/ in a real browser: Swagger UI loads from NanoWeb's own static files only, lists every
operation, and drives the API with a key given to Authorize, as an outside developer would."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model

from accounts.services import api_key_create
from classifiers.models import Classifier

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_docs_page_lists_every_operation_and_tries_them_with_an_api_key(page, live_server):
    user = get_user_model().objects.create_user("ada", "ada@example.org", "correct-horse-battery-9")
    _, key = api_key_create(user=user, name="docs")
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))

    page.goto("/api/docs/")
    page.wait_for_selector(".opblock")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    schema = json.loads(page.request.get("/api/schema/?format=json").text())
    expected = sum(len(operations) for operations in schema["paths"].values())
    assert len(paths) == expected
    assert "/api/v1/classifiers/{classifier_id}/predict/" in {p.replace("\u200b", "") for p in paths}

    page.click("button.authorize")
    page.fill(".modal-ux input[type=text]", key)
    page.click(".modal-ux button.authorize")
    page.click(".modal-ux button.btn-done")

    create = page.locator("#operations-classifiers-classifiers_create")
    create.locator(".opblock-summary").click()
    create.locator(".try-out__btn").click()
    create.locator("textarea.body-param__text").fill(json.dumps({"name": "From the docs", "labels": ["a", "b"]}))
    create.locator("button.execute").click()
    status = create.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip() == "201"
    assert Classifier.objects.get(owner=user).name == "From the docs"

    assert hosts == {urlsplit(live_server.url).netloc}, "the docs page fetched from somewhere else"


def test_the_docs_page_has_a_way_back_to_nanoweb_at_phone_width(page, live_server):
    from playwright.sync_api import expect

    user = get_user_model().objects.create_user("ada", "ada@example.org", "correct-horse-battery-9")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/api/docs/")
    page.wait_for_selector(".opblock")
    back = page.get_by_role("link", name="← Back to NanoWeb")
    expect(back).to_be_visible()
    box = back.bounding_box()
    assert box["x"] + box["width"] <= 390
    back.click()
    expect(page.get_by_role("heading", name="Build an image classifier from a few photos a class.")).to_be_visible()

    from django.test import Client

    client = Client()
    client.force_login(user)
    session = client.cookies["sessionid"].value
    page.context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
    page.goto("/api/docs/")
    page.get_by_role("link", name="← Back to NanoWeb").click()
    expect(page).to_have_url(f"{live_server.url}/dashboard/")
