"""API keys: made with a password, shown once, stored hashed, listed without the secret, revocable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiKey, hash_api_key
from tests.classifiers.api.conftest import PASSWORD

KEYS = "/api/v1/auth/keys/"

pytestmark = pytest.mark.django_db


def test_it_makes_a_key_from_a_username_and_password_and_the_key_works(ada, nobody):
    response = nobody.post(KEYS, {"username": "ada", "password": PASSWORD, "name": "laptop"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["key"].startswith("nw_") and len(body["key"]) > 40
    assert body["name"] == "laptop"
    assert body["prefix"] == body["key"][:10]

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['key']}")
    assert client.get("/api/v1/classifiers/").status_code == 200


def test_it_stores_only_a_hash_of_the_key(ada, nobody):
    secret = nobody.post(KEYS, {"username": "ada", "password": PASSWORD}, format="json").json()["key"]
    row = ApiKey.objects.get(hashed_key=hash_api_key(secret))
    assert secret not in {row.hashed_key, row.prefix, row.name}
    assert not ApiKey.objects.filter(hashed_key=secret).exists()


def test_it_never_shows_the_secret_again_in_the_list(ada):
    response = ada.client.get(KEYS)
    assert response.status_code == 200
    [listed] = response.json()["results"]
    assert "key" not in listed and "hashed_key" not in listed
    assert listed["prefix"] == ada.key[:10]
    assert ada.key not in response.content.decode()


def test_it_refuses_a_wrong_password_with_401(ada, nobody):
    response = nobody.post(KEYS, {"username": "ada", "password": "not-it"}, format="json")
    assert response.status_code == 401
    assert response.json()["error"] == {"code": "authentication_failed", "message": "Wrong username or password."}
    assert ApiKey.objects.filter(user=ada.user).count() == 1


def test_it_refuses_a_password_of_an_inactive_account(ada, nobody):
    get_user_model().objects.filter(id=ada.user.id).update(is_active=False)
    response = nobody.post(KEYS, {"username": "ada", "password": PASSWORD}, format="json")
    assert response.status_code == 401


def test_it_asks_for_the_password_when_only_the_username_is_sent(ada, nobody):
    response = nobody.post(KEYS, {"username": "ada"}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["details"]["fields"] == {"password": ["Send both username and password."]}
    assert error["message"] == "password: Send both username and password."


def test_a_key_cannot_make_another_key_without_the_password(ada):
    response = ada.client.post(KEYS, {}, format="json")
    assert response.status_code == 400
    assert "username" in response.json()["error"]["details"]["fields"]


def test_a_signed_in_browser_makes_a_key_without_the_password(ada):
    browser = APIClient(enforce_csrf_checks=False)
    browser.force_login(ada.user)
    response = browser.post(KEYS, {"name": "from the API page"}, format="json")
    assert response.status_code == 201
    assert ApiKey.objects.filter(user=ada.user, name="from the API page").exists()


def test_a_browser_session_needs_the_csrf_token_to_make_a_key(ada):
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(ada.user)
    response = browser.post(KEYS, {}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert "CSRF" in response.json()["error"]["message"]


def test_a_revoked_key_stops_working_at_once(ada):
    key_id = ApiKey.objects.get(user=ada.user).id
    assert ada.client.delete(f"{KEYS}{key_id}/").status_code == 204
    response = ada.client.get("/api/v1/classifiers/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert ApiKey.objects.get(id=key_id).revoked_at is not None


def test_revoking_someone_elses_key_is_not_found_and_leaves_it_working(ada, bob):
    bobs_key = ApiKey.objects.get(user=bob.user).id
    response = ada.client.delete(f"{KEYS}{bobs_key}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert bob.client.get("/api/v1/classifiers/").status_code == 200


def test_it_lists_only_your_own_active_keys(ada, bob):
    revoked = ada.client.post(KEYS, {"username": "ada", "password": PASSWORD, "name": "old"}, format="json").json()
    ada.client.delete(f"{KEYS}{revoked['id']}/")
    names = [key["name"] for key in ada.client.get(KEYS).json()["results"]]
    assert names == ["tests"]


@pytest.mark.parametrize(
    "header",
    ["Bearer nw_not-a-real-key", "Bearer", "Bearer two parts", "bearer nw_not-a-real-key"],
)
def test_a_bad_authorization_header_is_a_401_in_the_error_shape(ada, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/classifiers/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    assert response.json()["error"]["message"]


def test_no_key_at_all_is_a_401_that_says_how_to_get_one(nobody):
    response = nobody.get("/api/v1/classifiers/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    error = response.json()["error"]
    assert error["code"] == "not_authenticated"
    assert "POST /api/v1/auth/keys/" in error["message"]


def test_a_key_of_a_deactivated_account_is_refused(ada):
    get_user_model().objects.filter(id=ada.user.id).update(is_active=False)
    assert ada.client.get("/api/v1/classifiers/").status_code == 401


def test_it_records_when_a_key_was_last_used_but_writes_at_most_once_a_minute(ada):
    key = ApiKey.objects.get(user=ada.user)
    assert key.last_used_at is None
    ada.client.get(KEYS)
    first = ApiKey.objects.get(id=key.id).last_used_at
    assert first is not None and timezone.now() - first < timedelta(seconds=10)

    ada.client.get(KEYS)
    assert ApiKey.objects.get(id=key.id).last_used_at == first

    ApiKey.objects.filter(id=key.id).update(last_used_at=timezone.now() - timedelta(minutes=5))
    ada.client.get(KEYS)
    assert ApiKey.objects.get(id=key.id).last_used_at > first
