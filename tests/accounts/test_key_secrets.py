"""API keys are kept only as hashes (the database holds no usable key, not even in a session), and a
revoked key is refused."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from classifiers.services.catalog import classifier_create

PASSWORD = "correct-horse-battery-9"


def everything_in_the_database() -> str:
    """Every value of every row of every table, as text, sessions decoded: what a leaked dump would show."""
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - names from the schema
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, memoryview | bytes):
                        value = bytes(value).decode("latin-1")
                    parts.append(str(value))
    parts += [json.dumps(session.get_decoded()) for session in Session.objects.all()]
    return "\n".join(parts)


def key_made_on_the_page(browser: Client, classifier, name: str) -> str:
    """The secret as the API page shows it, once, right after "Make a key" (and its redirect)."""
    html = browser.post(reverse("api_key_new", args=[classifier.id]), {"name": name}, follow=True).content.decode()
    return re.search(r"data-secret>([^<]+)<", html)[1]


@pytest.fixture
def on_the_api_page(db) -> tuple:
    """Ada, her classifier, and her browser, logged in."""
    ada = get_user_model().objects.create_user("ada", "ada@example.org", PASSWORD)
    browser = Client()
    browser.force_login(ada)
    return ada, classifier_create(owner=ada, name="Hats", label_names=["a", "b"]), browser


def test_no_api_key_is_kept_in_plain_anywhere_in_the_database(on_the_api_page):
    ada, classifier, browser = on_the_api_page
    secrets = [
        APIClient().post("/api/v1/auth/keys/", {"username": "ada", "password": PASSWORD}, format="json").json()["key"],
        key_made_on_the_page(browser, classifier, "page"),
    ]
    session_api = APIClient()
    session_api.force_login(ada)
    secrets.append(session_api.post("/api/v1/auth/keys/", {"name": "browser"}, format="json").json()["key"])
    browser.get(reverse("classifier_api", args=[classifier.id]))  # a later page view, with the session saved

    dump = everything_in_the_database()
    for secret in secrets:
        assert secret.startswith("nw_") and len(secret) > 40
        assert secret not in dump
        assert hashlib.sha256(secret.encode()).hexdigest() in dump  # the scan did see the keys' table
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        assert api.get("/api/v1/classifiers/").status_code == 200  # and each key really was a working one


def test_a_key_revoked_on_the_api_page_is_refused_by_the_api_in_words(on_the_api_page):
    ada, classifier, browser = on_the_api_page
    secret = key_made_on_the_page(browser, classifier, "old")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get(f"/api/v1/classifiers/{classifier.id}/").status_code == 200
    key_id = ada.api_keys.get().id
    browser.post(reverse("api_key_revoke", args=[classifier.id, key_id]))
    response = api.get(f"/api/v1/classifiers/{classifier.id}/")
    assert response.status_code == 401
    assert response.json()["error"] == {
        "code": "authentication_failed", "message": "This API key is not valid: it is mistyped, revoked or unknown."}
    # The page no longer offers it, and it cannot be brought back.
    assert str(key_id) not in browser.get(reverse("classifier_api", args=[classifier.id])).content.decode()
