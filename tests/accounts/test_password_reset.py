"""Forgot password: a link by mail, a new password through it, a log-in with the new password; and a word
after logging out. Mail goes through Django's email backend (the tests' outbox here; the console, or SMTP
when NANOWEB_EMAIL_HOST is set)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from tests.worker import REPO

pytestmark = pytest.mark.django_db

OLD = "correct-horse-battery-9"
NEW = "a-new-and-long-password-31"


@pytest.fixture
def ada(db):
    return get_user_model().objects.create_user("ada", "ada@example.org", OLD)


def test_the_log_in_page_offers_forgot_password(client):
    page = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("password_reset")}">Forgot password?</a>' in page


def test_forgot_password_mails_a_link_that_sets_a_new_password_to_log_in_with(client, ada):
    sent = client.post(reverse("password_reset"), {"email": "ADA@example.org"}, follow=True)
    assert sent.redirect_chain[-1][0] == reverse("password_reset_done")
    assert "Check your mail" in sent.content.decode()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@example.org"]
    assert message.subject == "Choose a new password for NanoWeb"
    assert "Hello ada" in message.body and "&#x27;" not in message.body  # plain text, not HTML-escaped
    link = re.search(r"http://testserver(/password-reset/\S+/)", message.body)[1]

    form = client.get(link, follow=True)  # Django swaps the token for a session mark, then shows the form
    assert "Choose a new password" in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW}, follow=True)
    assert done.redirect_chain[-1][0] == reverse("password_reset_complete")
    assert "Your new password is saved" in done.content.decode()

    assert client.post(reverse("login"), {"username": "ada", "password": OLD}).status_code == 200  # refused
    logged_in = client.post(reverse("login"), {"username": "ada", "password": NEW})
    assert logged_in.status_code == 302 and logged_in["Location"] == reverse("dashboard")

    used_again = client.get(link, follow=True).content.decode()
    assert "This link no longer works" in used_again


def test_an_unknown_address_gets_the_same_page_and_no_mail(client, ada):
    sent = client.post(reverse("password_reset"), {"email": "nobody@example.org"}, follow=True)
    assert "Check your mail" in sent.content.decode()
    assert mail.outbox == []


def test_without_a_mail_server_the_page_says_where_the_mail_is_printed(client, ada, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    page = client.post(reverse("password_reset"), {"email": "ada@example.org"}, follow=True).content.decode()
    assert "printed in the" in page and "make run" in page


def test_logging_out_says_so_on_the_page_it_lands_on(client, ada):
    client.force_login(ada)
    landed = client.post(reverse("logout"), follow=True)
    assert landed.redirect_chain[-1][0] == reverse("landing")
    assert "You are logged out." in landed.content.decode()
    assert "You are logged out." not in client.get(reverse("landing")).content.decode()  # said once


def settings_in_a_process(**env: str) -> dict:
    code = ("import django, json; django.setup(); from django.conf import settings as s; print(json.dumps({k: "
            "getattr(s, k) for k in ('EMAIL_BACKEND', 'EMAIL_HOST', 'EMAIL_PORT', 'EMAIL_HOST_USER', "
            "'EMAIL_HOST_PASSWORD', 'EMAIL_USE_TLS', 'EMAIL_USE_SSL', 'DEFAULT_FROM_EMAIL')}))")
    import json
    import os

    clean = {k: v for k, v in os.environ.items() if not k.startswith("NANOWEB_EMAIL")}
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120,
                            env={**clean, "DJANGO_SETTINGS_MODULE": "nanoweb.settings", **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_mail_is_printed_by_default_and_sent_by_smtp_when_a_mail_server_is_named(tmp_path):
    default = settings_in_a_process(NANOWEB_DATA_DIR=str(tmp_path))
    assert default["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    smtp = settings_in_a_process(
        NANOWEB_DATA_DIR=str(tmp_path), NANOWEB_EMAIL_HOST="mail.example.org", NANOWEB_EMAIL_USER="nanoweb",
        NANOWEB_EMAIL_PASSWORD="s3cret", NANOWEB_DEFAULT_FROM_EMAIL="Shop <shop@example.org>",
    )
    assert smtp == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "mail.example.org",
        "EMAIL_PORT": 587, "EMAIL_HOST_USER": "nanoweb", "EMAIL_HOST_PASSWORD": "s3cret", "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False, "DEFAULT_FROM_EMAIL": "Shop <shop@example.org>",
    }
    ssl = settings_in_a_process(NANOWEB_DATA_DIR=str(tmp_path), NANOWEB_EMAIL_HOST="mail.example.org",
                                NANOWEB_EMAIL_USE_SSL="1")
    assert (ssl["EMAIL_PORT"], ssl["EMAIL_USE_TLS"], ssl["EMAIL_USE_SSL"]) == (465, False, True)
