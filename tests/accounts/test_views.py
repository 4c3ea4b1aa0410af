"""Sign-up, log-in, log-out and password change, as a person meets them in the pages."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from classifiers.services.catalog import classifier_create

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "correct-horse-battery-9"


def sign_up(client, **overrides):
    data = {"username": "ada", "email": "ada@example.org", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    data.update(overrides)
    return client.post(reverse("signup"), data)


def test_it_signs_a_person_up_and_shows_their_empty_dashboard(client):
    response = sign_up(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    dashboard = client.get(reverse("dashboard"))
    assert dashboard.status_code == 200
    assert b"Make your first classifier" in dashboard.content
    assert dashboard.context["user"].username == "ada"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"password1": "short", "password2": "short"}, "This password is too short"),
        ({"password1": "password123", "password2": "password123"}, "This password is too common"),
        ({"password1": "83749201847362", "password2": "83749201847362"}, "This password is entirely numeric"),
        ({"password2": "something-else-42"}, "The two password fields didn"),
        ({"email": "not-an-email"}, "Enter a valid email address"),
        ({"username": ""}, "This field is required"),
    ],
)
def test_it_refuses_a_bad_sign_up_with_a_readable_message_next_to_the_field(client, overrides, message):
    response = sign_up(client, **overrides)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not get_user_model().objects.exists()


def test_it_refuses_a_taken_username_and_email(client):
    get_user_model().objects.create_user("ada", "ada@example.org", GOOD_PASSWORD)
    response = sign_up(client)
    body = response.content.decode()
    assert "A user with that username already exists" in body
    assert "An account with this email already exists" in body


def test_it_logs_a_person_in_and_out(client):
    get_user_model().objects.create_user("ada", "ada@example.org", GOOD_PASSWORD)
    response = client.post(reverse("login"), {"username": "ada", "password": GOOD_PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("dashboard"))["Location"].startswith(reverse("login"))


def test_a_wrong_password_says_so_without_revealing_which_part_was_wrong(client):
    get_user_model().objects.create_user("ada", "ada@example.org", GOOD_PASSWORD)
    response = client.post(reverse("login"), {"username": "ada", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_it_changes_a_password(client):
    user = get_user_model().objects.create_user("ada", "ada@example.org", GOOD_PASSWORD)
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": GOOD_PASSWORD, "new_password1": "new-horse-battery-7", "new_password2": "new-horse-battery-7"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("new-horse-battery-7")


def test_pages_behind_the_login_send_nobody_to_the_login_page(client):
    for url in (reverse("dashboard"), reverse("password_change")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_one_persons_classifier_is_a_404_for_another(client):
    owner = get_user_model().objects.create_user("ada", "ada@example.org", GOOD_PASSWORD)
    other = get_user_model().objects.create_user("bob", "bob@example.org", GOOD_PASSWORD)
    classifier = classifier_create(owner=owner, name="Dresses", label_names=["blue", "white"])
    url = reverse("classifier_detail", args=[classifier.id])
    client.force_login(other)
    assert client.get(url).status_code == 404
    client.force_login(owner)
    assert client.get(url).status_code == 200


def test_it_refuses_further_log_ins_after_too_many_failures_even_with_the_right_password(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    get_user_model().objects.create_user("ada", "ada@example.org", GOOD_PASSWORD)
    for _ in range(3):
        assert client.post(reverse("login"), {"username": "ada", "password": "guess"}).status_code == 200
    response = client.post(reverse("login"), {"username": "ada", "password": GOOD_PASSWORD})
    assert response.status_code == 429
    assert "Too many failed log-ins for this account from your address" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_successful_log_in_clears_the_failure_count(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    get_user_model().objects.create_user("ada", "ada@example.org", GOOD_PASSWORD)
    for _ in range(2):
        client.post(reverse("login"), {"username": "ada", "password": "guess"})
    assert client.post(reverse("login"), {"username": "ada", "password": GOOD_PASSWORD}).status_code == 302
    client.post(reverse("logout"))
    for _ in range(2):
        client.post(reverse("login"), {"username": "ada", "password": "guess"})
    assert client.post(reverse("login"), {"username": "ada", "password": GOOD_PASSWORD}).status_code == 302


def test_sign_ups_from_one_address_are_throttled_in_words(client, settings):
    """Sign-up is open: after SIGNUP_LIMIT accounts from one address, the next is refused (429) and the person
    reads why and when to come back; what they typed is kept, and no account is made."""
    from django.test import Client

    settings.SIGNUP_LIMIT = 3
    for i in range(3):
        fresh = Client()
        assert sign_up(fresh, username=f"ada{i}", email=f"ada{i}@example.org").status_code == 302
    response = sign_up(Client(), username="ada3", email="ada3@example.org")
    assert response.status_code == 429
    page = response.content.decode()
    assert ("Too many accounts were made from your address recently. Try again in 1 hour, or log in to an "
            "account you already have.") in page
    assert 'value="ada3"' in page
    assert not get_user_model().objects.filter(username="ada3").exists()
    # Another address is not affected.
    other = Client(REMOTE_ADDR="192.0.2.7")
    assert sign_up(other, username="bea", email="bea@example.org").status_code == 302
