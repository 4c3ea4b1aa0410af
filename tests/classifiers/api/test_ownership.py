"""Every API route, walked as another person (404, and nothing changes) and as nobody (401).

The table below must name every route and method the API serves: a new endpoint without a line here
fails `test_the_walk_covers_every_api_route_and_method`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import ApiKey
from classifiers.models import Classifier, Label, Photo, SearchJob, ShareLink, TrainingRun, Webhook, WebhookDelivery
from tests.classifiers.api.conftest import jpeg_bytes, objects_of

pytestmark = pytest.mark.django_db

C = "/api/v1/classifiers/{classifier_id}/"
L = C + "labels/{label_id}/"


@dataclass(frozen=True)
class Call:
    name: str  # the URL name, to check the table against the URL configuration
    method: str
    path: str
    body: object = None
    multipart: bool = False

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def image_file() -> SimpleUploadedFile:
    return SimpleUploadedFile("photo.jpg", jpeg_bytes(), content_type="image/jpeg")


CALLS = [
    Call("api-keys", "GET", "/api/v1/auth/keys/"),
    Call("api-key", "DELETE", "/api/v1/auth/keys/{key_id}/"),
    Call("api-classifiers", "GET", "/api/v1/classifiers/"),
    Call("api-classifiers", "POST", "/api/v1/classifiers/", {"name": "mine now", "labels": ["a", "b"]}),
    Call("api-classifier", "GET", C),
    Call("api-classifier", "PATCH", C, {"name": "stolen"}),
    Call("api-classifier", "DELETE", C),
    Call("api-labels", "GET", C + "labels/"),
    Call("api-labels", "POST", C + "labels/", {"name": "intruder"}),
    Call("api-label", "GET", L),
    Call("api-label", "PATCH", L, {"name": "renamed"}),
    Call("api-label", "DELETE", L),
    Call("api-images", "GET", L + "images/"),
    Call("api-images", "POST", L + "images/", {"files": "image"}, multipart=True),
    Call("api-images", "POST", L + "images/", {"urls": ["http://127.0.0.1:9/x.jpg"]}),
    Call("api-image", "GET", L + "images/{image_id}/"),
    Call("api-image", "DELETE", L + "images/{image_id}/"),
    Call("api-image-file", "GET", "/api/v1/images/{image_id}/file/"),
    Call("api-search", "GET", L + "search/"),
    Call("api-search", "POST", L + "search/", {"query": "cats", "count": 5}),
    Call("api-search-job", "GET", "/api/v1/search-jobs/{job_id}/"),
    Call("api-search-job-cancel", "POST", "/api/v1/search-jobs/{job_id}/cancel/"),
    Call("api-train", "POST", C + "train/"),
    Call("api-runs", "GET", C + "runs/"),
    Call("api-run", "GET", C + "runs/{run_id}/"),
    Call("api-run-cancel", "POST", C + "runs/{run_id}/cancel/"),
    Call("api-versions", "GET", C + "versions/"),
    Call("api-version-activate", "POST", C + "versions/1/activate/"),
    Call("api-export", "GET", C + "export/"),
    Call("api-engine-update", "GET", C + "engine-update/"),
    Call("api-engine-update", "POST", C + "engine-update/"),
    Call("api-engine-update-adopt", "POST", C + "engine-update/adopt/"),
    Call("api-predict", "POST", C + "predict/", {"file": "image"}, multipart=True),
    Call("api-predict", "POST", C + "predict/", {"url": "http://127.0.0.1:9/x.jpg"}),
    Call("api-find-more", "POST", L + "find-more/", {"count": 5}),
    Call("api-search-yield", "GET", C + "search-yield/"),
    Call("api-review", "GET", C + "review/"),
    Call("api-review", "POST", C + "review/",
         {"action": "drop", "image_ids": ["00000000-0000-4000-8000-000000000001"]}),
    Call("api-attribution-csv", "GET", C + "attribution.csv"),
    Call("api-attribution-json", "GET", C + "attribution.json"),
    Call("api-predictions", "GET", C + "predictions/"),
    Call("api-prediction-stats", "GET", C + "predictions/stats/"),
    Call("api-prediction", "GET", C + "predictions/{prediction_id}/"),
    Call("api-prediction-image", "GET", C + "predictions/{prediction_id}/image/"),
    Call("api-prediction-feedback", "POST", C + "predictions/{prediction_id}/feedback/", {"none_of_these": True}),
    Call("api-label-next", "GET", C + "label-next/"),
    Call("api-share-links", "GET", C + "share-links/"),
    Call("api-share-links", "POST", C + "share-links/", {"name": "mine now"}),
    Call("api-share-link", "DELETE", C + "share-links/{link_id}/"),
    Call("api-webhooks", "GET", C + "webhooks/"),
    Call("api-webhooks", "POST", C + "webhooks/", {"url": "https://example.org/x", "events": ["search.finished"]}),
    Call("api-webhook", "GET", C + "webhooks/{webhook_id}/"),
    Call("api-webhook", "PATCH", C + "webhooks/{webhook_id}/", {"url": "https://example.org/stolen"}),
    Call("api-webhook", "DELETE", C + "webhooks/{webhook_id}/"),
    Call("api-webhook-deliveries", "GET", C + "webhooks/{webhook_id}/deliveries/"),
    Call("api-webhook-test", "POST", C + "webhooks/{webhook_id}/test/"),
]
# Routes anyone may call: the schema, its docs page, and making a key with a password.
PUBLIC = {("api-schema", "GET"), ("api-docs", "GET"), ("api-keys", "POST")}
# List routes answer with the caller's own (empty) list rather than 404.
OWN_LISTS = {("api-keys", "GET"), ("api-classifiers", "GET"), ("api-classifiers", "POST")}


def api_routes() -> set[tuple[str, str]]:
    """(URL name, method) for every route under /api/, read from the URL configuration."""
    routes: set[tuple[str, str]] = set()

    def walk(patterns: list) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern) and pattern.name and pattern.name.startswith("api-"):
                view = getattr(pattern.callback, "view_class", None) or getattr(pattern.callback, "cls", None)
                methods = {m.upper() for m in ("get", "post", "patch", "put", "delete") if hasattr(view, m)}
                routes.update((pattern.name, method) for method in methods)

    walk(get_resolver().url_patterns)
    return routes


def served(calls: list[Call]) -> list[Call]:
    """The calls whose route is wired up (routes of services still being written are left out)."""
    routes = api_routes()
    return [call for call in calls if (call.name, call.method) in routes]


@pytest.fixture
def adas_world(ada) -> dict:
    return objects_of(ada)


def snapshot(ada) -> dict:
    """Everything of Ada's that a call could change."""
    return {
        "classifiers": list(Classifier.objects.filter(owner=ada.user).values_list("id", "name", "active_version")),
        "labels": list(Label.objects.filter(classifier__owner=ada.user).values_list("id", "name").order_by("id")),
        "examples": list(Photo.objects.filter(label__classifier__owner=ada.user).values_list("id", flat=True)),
        "runs": list(TrainingRun.objects.filter(classifier__owner=ada.user).values_list("id", "status")),
        "jobs": list(
            SearchJob.objects.filter(label__classifier__owner=ada.user).values_list("id", "status", "cancel_requested")
        ),
        "keys": list(ApiKey.objects.filter(user=ada.user).values_list("id", "revoked_at")),
        "share_links": list(ShareLink.objects.filter(classifier__owner=ada.user).values_list("id", "revoked_at")
                            .order_by("id")),
        "webhooks": list(Webhook.objects.filter(classifier__owner=ada.user).values_list("id", "url").order_by("id")),
        "deliveries": WebhookDelivery.objects.filter(webhook__classifier__owner=ada.user).count(),
    }


def send(client, call: Call, world: dict):
    path = call.path.format(**world)
    body = call.body
    method = getattr(client, call.method.lower())
    if call.multipart:
        return method(path, {field: image_file() for field in body}, format="multipart")
    return method(path, body, format="json") if body is not None else method(path)


def test_the_walk_covers_every_api_route_and_method():
    routes = api_routes()
    walked = {(call.name, call.method) for call in CALLS} | PUBLIC
    assert routes - walked == set(), "API routes missing from the ownership walk"


@pytest.mark.parametrize("call", CALLS, ids=str)
def test_another_person_gets_404_and_changes_nothing(call, adas_world, ada, bob):
    if call not in served([call]):
        pytest.skip(f"{call.name} is not wired up yet")
    before = snapshot(ada)
    response = send(bob.client, call, adas_world)
    if (call.name, call.method) in OWN_LISTS:
        assert response.status_code in (200, 201)
        assert str(adas_world["classifier_id"]) not in response.content.decode()
        assert "Ada" not in response.content.decode()
    else:
        assert response.status_code == 404, response.content
        assert response.json()["error"]["code"] == "not_found"
    assert snapshot(ada) == before


@pytest.mark.parametrize("call", CALLS, ids=str)
def test_nobody_gets_401_and_changes_nothing(call, adas_world, ada, nobody):
    if call not in served([call]):
        pytest.skip(f"{call.name} is not wired up yet")
    before = snapshot(ada)
    response = send(nobody, call, adas_world)
    assert response.status_code == 401, response.content
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert snapshot(ada) == before


def test_nobody_may_read_the_schema_and_the_docs_but_not_make_a_key_without_a_password(nobody):
    assert nobody.get("/api/schema/").status_code == 200
    assert nobody.get("/api/docs/").status_code == 200
    response = nobody.post("/api/v1/auth/keys/", {}, format="json")
    assert response.status_code == 400
