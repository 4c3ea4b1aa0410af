"""Log-in throttling and the API's per-address limits count per client address: a forged X-Forwarded-For
header escapes neither, and behind a trusted proxy one person's failed guesses do not lock out another."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery-9"


@pytest.fixture
def ada():
    return get_user_model().objects.create_user("ada", "ada@example.org", PASSWORD)


def log_in(password: str, forwarded_for: str) -> int:
    return Client().post("/login/", {"username": "ada", "password": password},
                         HTTP_X_FORWARDED_FOR=forwarded_for).status_code


def test_a_forged_forwarded_address_does_not_escape_the_log_in_lockout(ada, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    assert [log_in(f"guess-{n}", f"198.51.100.{n}") for n in range(3)] == [200, 200, 200]  # the form, with an error
    assert log_in(PASSWORD, "198.51.100.99") == 429


def test_a_forged_forwarded_address_does_not_escape_the_key_making_limit(ada, settings):
    settings.API_KEY_CREATE_RATE = "2/min"
    statuses = [APIClient().post("/api/v1/auth/keys/", {"username": "ada", "password": f"guess-{n}"}, format="json",
                                 HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(3)]
    assert statuses == [401, 401, 429]


@pytest.fixture
def behind_one_proxy(settings):
    """The test client's 127.0.0.1 is the proxy; it appends each client's address to X-Forwarded-For."""
    settings.TRUSTED_PROXIES = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    settings.LOGIN_FAILURE_LIMIT = 3


def test_behind_a_proxy_a_guessers_failures_do_not_lock_out_the_owner(ada, behind_one_proxy):
    guesser, owner = "203.0.113.9", "198.51.100.7"
    for n in range(3):
        log_in(f"guess-{n}", guesser)
    page = Client().post("/login/", {"username": "ada", "password": PASSWORD}, HTTP_X_FORWARDED_FOR=guesser)
    assert page.status_code == 429
    assert "Too many failed log-ins for this account from your address." in page.content.decode()
    assert log_in(PASSWORD, owner) == 302  # logged in and sent to the dashboard


def test_behind_a_proxy_an_address_the_client_wrote_itself_is_not_believed(ada, behind_one_proxy):
    guesser = "203.0.113.9"
    for n in range(3):
        # The client sends "198.51.100.7"; the proxy appends the address it really came from.
        log_in(f"guess-{n}", f"198.51.100.{n}, {guesser}")
    assert log_in(PASSWORD, f"198.51.100.50, {guesser}") == 429
