"""CSRF: every form the pages show carries the token and is refused without it; the API refuses a browser
session without the token, while a request with an API key (which no other site can make a browser send)
needs none."""

from __future__ import annotations

from urllib.parse import urljoin

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from accounts.services import api_key_create
from classifiers.models import Classifier, Label
from tests.urlwalk import site_routes
from tests.worlds import full_classifier

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-9"
# Pages that show forms to a visitor who is not logged in.
PUBLIC_PAGES = ["/", "/signup/", "/login/"]
# The one view that opts out: the API's JSON 404 for paths that match nothing (it does nothing).
EXEMPT = {r"api/[\s\S]*"}
# Downloads, not pages: no forms in them (and the model download needs a real trained model).
FILES = {"model_download", "attribution_download", "photo_image"}


@pytest.fixture
def ada():
    return get_user_model().objects.create_user("ada", "ada@example.org", PASSWORD)


@pytest.fixture
def world(ada):
    return full_classifier(ada, name="Hats or shoes", label_names=("hat", "shoes"))


def post_forms(client: Client, url: str) -> list[dict]:
    """The method="post" forms of a page: where each posts to and the fields it sends."""
    response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    forms = []
    for form in BeautifulSoup(response.content, "html.parser").find_all("form"):
        if (form.get("method") or "get").lower() != "post":
            continue
        fields = {field.get("name"): field.get("value", "") for field in form.find_all(["input", "textarea", "select"])
                  if field.get("name")}
        forms.append({"page": url, "action": urljoin(url, form.get("action") or url), "fields": fields})
    return forms


def page_urls(world: dict) -> list[str]:
    """Every page route a person can open with GET, its parameters filled from the world."""
    return [route.url(world) for route in site_routes()
            if not route.is_api and not route.regex and "GET" in route.methods() and route.name not in FILES]


def test_every_form_on_every_page_carries_the_token_and_is_refused_without_it(world, ada):
    owner = Client()
    owner.force_login(ada)
    forms = []
    for url in page_urls(world):
        response = owner.get(url)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            forms += post_forms(owner, url)
    forms += [form for url in PUBLIC_PAGES for form in post_forms(Client(), url)]
    actions = {form["action"] for form in forms}
    # The walk really saw the forms that change things: not a vacuous pass.
    assert {f"/classifiers/{world['classifier_id']}/delete/", f"/classifiers/{world['classifier_id']}/train/",
            f"/classifiers/{world['classifier_id']}/review/", "/logout/", "/login/", "/signup/"} <= actions
    assert len(actions) >= 15, sorted(actions)

    refused = []
    for form in forms:
        assert form["fields"].get("csrfmiddlewaretoken"), f"a form on {form['page']} has no CSRF token"
        stranger = Client(enforce_csrf_checks=True)
        stranger.force_login(ada)
        fields = {k: v for k, v in form["fields"].items() if k != "csrfmiddlewaretoken"}
        response = stranger.post(form["action"], fields)
        if response.status_code != 403 or b"CSRF verification failed" not in response.content:
            refused.append(f"{form['action']} (a form on {form['page']}) answered {response.status_code}")
    assert refused == [], "forms that work without the CSRF token:\n" + "\n".join(refused)
    assert Classifier.objects.filter(id=world["classifier_id"]).exists()
    assert Label.objects.filter(classifier_id=world["classifier_id"]).count() == 2


def test_every_page_route_refuses_a_post_without_the_token_even_without_a_form(world, ada):
    missing = []
    for route in site_routes():
        if route.is_api or route.name in EXEMPT:
            continue
        client = Client(enforce_csrf_checks=True)
        client.force_login(ada)
        response = client.post(route.url(world), {"name": "changed"})
        if response.status_code != 403:
            missing.append(f"POST /{route.route} answered {response.status_code}")
    assert missing == [], "page routes that skip the CSRF check:\n" + "\n".join(missing)


def test_the_api_refuses_a_browser_session_without_the_token_on_every_write(world, ada):
    missing = []
    for route in site_routes():
        if not route.is_api or route.name in EXEMPT:
            continue
        for method in set(route.methods()) - {"GET"}:
            browser = APIClient(enforce_csrf_checks=True)
            browser.force_login(ada)
            response = browser.generic(method, route.url(world), '{"name": "changed"}',
                                       content_type="application/json")
            error = response.json().get("error", {}) if response.status_code == 403 else {}
            if "CSRF" not in error.get("message", ""):
                missing.append(f"{method} /{route.route} answered {response.status_code}")
    assert missing == [], "API writes a session makes without the CSRF token:\n" + "\n".join(missing)
    assert Classifier.objects.get(id=world["classifier_id"]).name == "Hats or shoes"


def test_the_api_with_a_key_needs_no_csrf_token(world, ada):
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_create(user=ada)[1]}")
    response = client.post(f"/api/v1/classifiers/{world['classifier_id']}/labels/", {"name": "boots"},
                           format="json")
    assert response.status_code == 201, response.content
    response = client.patch(f"/api/v1/classifiers/{world['classifier_id']}/", {"name": "Footwear"}, format="json")
    assert response.status_code == 200
    assert Classifier.objects.get(id=world["classifier_id"]).name == "Footwear"
