"""Every page carries a Content-Security-Policy that lets only NanoWeb's own script files run; the JSON API
and its docs page (which starts itself with an inline script) go without."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from nanoweb.csp import POLICY
from tests.urlwalk import site_routes
from tests.worlds import full_classifier

pytestmark = pytest.mark.django_db


def test_every_page_lets_only_nanowebs_own_scripts_run():
    ada = get_user_model().objects.create_user("ada", "ada@example.org", "correct-horse-battery-9")
    world = full_classifier(ada, name="Hats", label_names=("hat", "shoes"))
    owner = Client()
    owner.force_login(ada)
    pages = 0
    for route in site_routes():
        if route.is_api or route.regex or "GET" not in route.methods():
            continue
        for client in (owner, Client()):
            response = client.get(route.url(world))
            if response["Content-Type"].startswith("text/html"):
                pages += 1
                assert response["Content-Security-Policy"] == POLICY, route.route
    assert pages >= 15
    assert "script-src 'self';" in POLICY and "unsafe-inline" not in POLICY.split("script-src")[1].split(";")[0]


def test_error_pages_carry_it_too():
    assert Client().get("/no/such/page/")["Content-Security-Policy"] == POLICY


def test_the_api_and_its_docs_page_are_left_alone():
    docs = Client().get("/api/docs/")
    assert docs.status_code == 200
    assert "Content-Security-Policy" not in docs
    assert "Content-Security-Policy" not in Client().get("/api/v1/classifiers/")
