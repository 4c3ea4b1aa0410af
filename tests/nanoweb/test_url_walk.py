"""Every route of the site, pages and API alike, walked as nobody and as another person.

The routes come from Django's URL resolver, not from a list kept by hand: a route added later is walked
too, and one that serves a visitor or another person anything but a refusal fails here. Only the routes in
PUBLIC may answer a visitor.
"""

from __future__ import annotations

import json
import types

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse, JsonResponse
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import include, path
from rest_framework.test import APIClient

from accounts.models import ApiKey
from accounts.services import api_key_create
from classifiers.models import Classifier, Correction, Label, Photo, SearchJob, ShareLink, TrainingRun, Webhook
from tests.fakes.images import photo
from tests.urlwalk import Route, site_routes
from tests.worlds import full_classifier

pytestmark = pytest.mark.django_db

API_NOT_FOUND = r"api/[\s\S]*"  # unnamed routes go by their pattern
# Routes anyone may call, each for a reason: the public pages, the health check, the API's description,
# making an API key with a username and password, the API's JSON 404 for paths that match nothing, the
# browser's /favicon.ico, and "Forgot password?" (its link, from the mail, is the only credential it takes).
# (Static files are served by WhiteNoise before URL routing, so they never appear here.)
PUBLIC = {
    ("landing", "GET"), ("landing", "POST"),
    ("signup", "GET"), ("signup", "POST"),
    ("login", "GET"), ("login", "POST"), ("login", "PUT"),
    ("logout", "POST"),
    *((name, method) for name in ("password_reset", "password_reset_confirm") for method in ("GET", "POST", "PUT")),
    ("password_reset_done", "GET"), ("password_reset_complete", "GET"),
    ("health", "GET"), ("health", "POST"),
    ("api-schema", "GET"), ("api-docs", "GET"),
    ("api-keys", "POST"),
    (API_NOT_FOUND, "GET"), (API_NOT_FOUND, "POST"),
    *(("favicon.ico", method) for method in ("GET", "POST", "PUT", "PATCH", "DELETE")),  # to the static icon
}
# What a re_path route is called with (its URL cannot be built from parameters).
REGEX_PATHS = {API_NOT_FOUND: "/api/v1/no-such-endpoint/"}
MARKER = "Ada-private-7f3c"  # in the names of Ada's things: it must never reach anyone else
PASSWORD = "correct-horse-battery-9"


@pytest.fixture
def ada():
    return get_user_model().objects.create_user("ada", "ada@example.org", PASSWORD)


@pytest.fixture
def bob():
    return get_user_model().objects.create_user("bob", "bob@example.org", PASSWORD)


@pytest.fixture
def world(ada) -> dict[str, object]:
    """One real object of Ada's for every kind of path parameter the site has."""
    return full_classifier(ada, name=f"{MARKER} dresses", label_names=(f"{MARKER} blue", "white"))


def snapshot(user) -> dict:
    """Everything of a person's that a request could change."""
    return {
        "classifiers": sorted(Classifier.objects.filter(owner=user).values_list("id", "name", "active_version")),
        "labels": sorted(Label.objects.filter(classifier__owner=user).values_list("id", "name")),
        "examples": sorted(Photo.objects.filter(label__classifier__owner=user).values_list("id", "label")),
        "runs": sorted(TrainingRun.objects.filter(classifier__owner=user).values_list("id", "status")),
        "jobs": sorted(SearchJob.objects.filter(label__classifier__owner=user)
                       .values_list("id", "status", "cancel_requested")),
        "keys": sorted(ApiKey.objects.filter(user=user).values_list("id", "revoked_at")),
        "corrections": sorted(Correction.objects.filter(prediction__classifier__owner=user)
                              .values_list("id", "label", "photo")),
        "share_links": sorted(ShareLink.objects.filter(classifier__owner=user).values_list("id", "revoked_at")),
        "webhooks": sorted(Webhook.objects.filter(classifier__owner=user).values_list("id", "url")),
        "password": get_user_model().objects.get(id=user.id).password,
    }


def calls() -> list[tuple[Route, str]]:
    return [(route, method) for route in site_routes() for method in route.methods()]


def send(client: Client, route: Route, method: str, world: dict, photo_id: object) -> object:
    """One request with a body that would do harm if the route let it through: names to rename to, Ada's
    photo to remove or move, a file to upload, addresses to import."""
    path = route.url(world, regex_path=REGEX_PATHS.get(route.name, ""))
    if method == "GET":
        return client.get(path)
    if route.is_api:
        body = {"name": "taken", "labels": ["a", "b"], "urls": ["http://127.0.0.1:9/x.jpg"], "query": "x"}
        return client.generic(method, path, json.dumps(body), content_type="application/json")
    form = {"name": "taken", "labels": "a\nb", "urls": "http://127.0.0.1:9/x.jpg", "page_url": "http://127.0.0.1:9/",
            "query": "x", "count": "1", "example": [str(photo_id)], "action": "drop",
            "files": SimpleUploadedFile("x.jpg", photo(1)), "image": SimpleUploadedFile("y.jpg", photo(2))}
    return client.generic(method, path, encode_multipart(BOUNDARY, form), content_type=MULTIPART_CONTENT)


def test_every_route_is_walked_and_every_path_parameter_has_a_real_object(world):
    routes = site_routes()
    assert len(routes) > 40
    for route in routes:
        route.url(world, regex_path=REGEX_PATHS.get(route.name, "/"))  # raises for an unknown parameter
        if route.regex:
            assert route.name in REGEX_PATHS, f"{route.route}: say what path the walk should call it with"
    names = {route.name for route in routes}
    assert {name for name, _ in PUBLIC} <= names, "PUBLIC names a route that no longer exists"


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def walk_as_nobody(world: dict, ada) -> list[str]:
    """What went wrong walking every non-public route without logging in; empty when all is well."""
    wrong = []
    before = snapshot(ada)
    for route, method in calls():
        if (route.name, method) in PUBLIC:
            continue
        client = APIClient() if route.is_api else Client()
        response = send(client, route, method, world, world["photo_id"])
        shown = f"{method} /{route.route} answered {response.status_code}"
        if MARKER.encode() in body_of(response):
            wrong.append(f"{shown} with Ada's data")
        elif route.is_api:
            if response.status_code != 401 or response.json()["error"]["code"] != "not_authenticated":
                wrong.append(shown)
            elif response["WWW-Authenticate"] != 'Bearer realm="api"':
                wrong.append(f"{shown} without saying how to authenticate")
        elif response.status_code == 302:
            if not response["Location"].startswith("/login/?next="):
                wrong.append(f"{shown}, to {response['Location']}")
        elif response.status_code != 404:
            wrong.append(shown)
        if snapshot(ada) != before:
            wrong.append(f"{method} /{route.route} changed Ada's things")
            before = snapshot(ada)
    return wrong


def walk_as(bob, how: str, world: dict, ada) -> list[str]:
    """What went wrong walking every route as Bob, by browser session or by API key."""
    wrong = []
    before = snapshot(ada)
    key = api_key_create(user=bob)[1]
    for route, method in calls():
        if how == "api key" and not route.is_api:
            continue  # pages take only a browser session
        if how == "session":
            client = APIClient() if route.is_api else Client()
            client.force_login(bob)  # again for each request: the walk includes logging out
        else:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        response = send(client, route, method, world, world["photo_id"])
        shown = f"{method} /{route.route} answered {response.status_code}"
        if MARKER.encode() in body_of(response):
            wrong.append(f"{shown} with Ada's data")
        elif route.parameters and (route.name, method) not in PUBLIC:
            # Anything with an id in its path is Ada's here: to Bob it does not exist, so not even 403.
            # A method the view never takes is 405 whoever asks, which tells nothing about Ada's things.
            if response.status_code not in (404, 405):
                wrong.append(shown)
            elif route.is_api and response.status_code == 404 and response.json()["error"]["code"] != "not_found":
                wrong.append(f"{shown} not in the API's error shape")
        elif response.status_code == 403 or response.status_code >= 500:
            wrong.append(shown)  # Bob's own pages and lists are his to use...
        elif str(world["classifier_id"]).encode() in body_of(response):
            wrong.append(f"{shown} naming Ada's classifier")  # ...and hold only his things
        if snapshot(ada) != before:
            wrong.append(f"{method} /{route.route} changed Ada's things")
            before = snapshot(ada)
    return wrong


def test_nobody_is_sent_to_log_in_or_refused_with_401_everywhere(world, ada):
    wrong = walk_as_nobody(world, ada)
    assert wrong == [], "routes that serve a visitor who is not logged in:\n" + "\n".join(wrong)


@pytest.mark.parametrize("how", ["session", "api key"])
def test_another_person_finds_nothing_of_adas_anywhere(how, world, ada, bob):
    wrong = walk_as(bob, how, world, ada)
    assert wrong == [], f"routes that serve Bob ({how}) Ada's things:\n" + "\n".join(wrong)


# --- The walk itself is checked: a careless route added to the site is caught -------------------------

def _careless_classifier_page(request, classifier_id):
    """What a new view looks like when its author forgets both the log-in and the owner check."""
    return HttpResponse(Classifier.objects.get(id=classifier_id).name)


def _careless_api_view(request, classifier_id):
    return JsonResponse({"name": Classifier.objects.get(id=classifier_id).name})


@pytest.fixture
def site_with_a_careless_route(settings):
    urls = types.ModuleType("careless_urls")
    urls.urlpatterns = [
        path("classifiers/<uuid:classifier_id>/careless/", _careless_classifier_page, name="careless"),
        path("api/v1/classifiers/<uuid:classifier_id>/careless/", _careless_api_view, name="api-careless"),
        path("", include("nanoweb.urls")),
    ]
    settings.ROOT_URLCONF = urls
    return urls


def test_the_walk_catches_a_new_route_without_a_log_in_or_an_owner_check(site_with_a_careless_route, world, ada,
                                                                         bob):
    assert sorted(w for w in walk_as_nobody(world, ada) if "careless" in w) == [
        "GET /api/v1/classifiers/<uuid:classifier_id>/careless/ answered 200 with Ada's data",
        "GET /classifiers/<uuid:classifier_id>/careless/ answered 200 with Ada's data",
        "POST /api/v1/classifiers/<uuid:classifier_id>/careless/ answered 200 with Ada's data",
        "POST /classifiers/<uuid:classifier_id>/careless/ answered 200 with Ada's data",
    ]
    assert "GET /classifiers/<uuid:classifier_id>/careless/ answered 200 with Ada's data" in walk_as(
        bob, "session", world, ada)
