"""Rate limits: per key for normal calls, per address for making keys with a password; 429 says when."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import ApiKey
from tests.classifiers.api.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_key_over_its_rate_gets_429_with_retry_after(ada, settings):
    settings.API_RATE = "3/min"
    statuses = [ada.client.get("/api/v1/classifiers/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = ada.client.get("/api/v1/classifiers/")
    error = response.json()["error"]
    assert error["code"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 60
    assert error["details"]["retry_after"] == int(response["Retry-After"])
    assert error["message"].startswith("Too many requests. Try again in ")


def test_each_key_has_its_own_budget(ada, bob, settings):
    settings.API_RATE = "2/min"
    for _ in range(2):
        ada.client.get("/api/v1/classifiers/")
    assert ada.client.get("/api/v1/classifiers/").status_code == 429
    assert bob.client.get("/api/v1/classifiers/").status_code == 200


def test_making_keys_by_password_is_limited_more_tightly_per_address(ada, settings):
    settings.API_KEY_CREATE_RATE = "2/min"
    guesser = APIClient()
    statuses = [
        guesser.post("/api/v1/auth/keys/", {"username": "ada", "password": f"guess-{n}"}, format="json").status_code
        for n in range(3)
    ]
    assert statuses == [401, 401, 429]
    # Even the right password waits: the limit is on attempts, so guessing cannot be sped up.
    right = guesser.post("/api/v1/auth/keys/", {"username": "ada", "password": PASSWORD}, format="json")
    assert right.status_code == 429
    assert ApiKey.objects.filter(user=ada.user).count() == 1


def test_failed_passwords_count_with_the_login_page_and_block_the_account_from_that_address(ada, client, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 900
    settings.API_KEY_CREATE_RATE = "100/min"
    for n in range(2):
        client.post("/login/", {"username": "ada", "password": f"page-guess-{n}"})
    guesser = APIClient()
    assert (
        guesser.post("/api/v1/auth/keys/", {"username": "ada", "password": "api-guess"}, format="json").status_code
        == 401
    )
    blocked = guesser.post("/api/v1/auth/keys/", {"username": "ada", "password": PASSWORD}, format="json")
    assert blocked.status_code == 429
    assert blocked.json()["error"]["message"] == (
        "Too many failed attempts for this account from your address. Wait 15 minutes."
    )
    assert int(blocked["Retry-After"]) == settings.LOGIN_FAILURE_WINDOW_SECONDS
    assert ApiKey.objects.filter(user=ada.user).count() == 1
