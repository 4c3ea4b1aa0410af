"""The OpenAPI schema and the docs page: served, valid, complete, local assets only; and schemathesis
fuzzes every operation against the served schema and finds no 500 and no response that breaks it."""

from __future__ import annotations

import re

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from accounts.models import ApiKey
from classifiers.models import Photo, SearchJob

pytestmark = pytest.mark.django_db

# Bounded so the whole fuzzing run stays well under two minutes on two cores.
EXAMPLES_PER_OPERATION = 12


def served_schema(client) -> dict:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_the_schema_is_valid_openapi_3(nobody):
    schema = served_schema(nobody)
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")


def test_the_schema_starts_with_a_quick_start_an_outside_client_can_follow(nobody):
    description = served_schema(nobody)["info"]["description"]
    for step in (
        "POST /api/v1/auth/keys/",
        "Authorization: Bearer",
        "POST /api/v1/classifiers/",
        "/images/",
        "/train/",
        "/runs/{run_id}/",
        "/predict/",
    ):
        assert step in description


def test_every_operation_but_making_a_key_asks_for_a_key_and_documents_401_and_429(nobody):
    schema = served_schema(nobody)
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert {"401", "429"} <= set(operation["responses"]), (method, path)
            error = operation["responses"]["401"]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/Error"}
            if (path, method) != ("/api/v1/auth/keys/", "post"):
                assert {"bearerAuth": []} in operation["security"], (method, path)


def test_the_docs_page_uses_only_assets_served_by_nanoweb(nobody):
    page = nobody.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    # What the page loads (scripts, styles, icons), not where its links lead (the way back to NanoWeb is "/").
    assets = re.findall(r'src="([^"]+)"', html) + re.findall(r'<link[^>]*href="([^"]+)"', html)
    assert assets, "the docs page should load Swagger UI"
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert nobody.get(asset).status_code == 200, asset
    assert "/api/schema/" in html


# --- schemathesis -------------------------------------------------------------------------------------


@pytest.fixture
def world(trained) -> dict[str, str]:
    """Real objects of the fuzzing user, a trained classifier among them, so that fuzzed calls also get past
    the 404 of a random id and into the services: predictions, exports, activations, uploads."""
    label_id = trained.labels["hat"]
    job = SearchJob.objects.create(label_id=label_id, query="hat", requested=5, status="succeeded")
    return {
        "classifier_id": trained.classifier_id,
        "label_id": label_id,
        "image_id": str(Photo.objects.filter(label_id=label_id).first().id),
        "run_id": trained.run_id,
        "job_id": str(job.id),
        "key_id": str(ApiKey.objects.get(user=trained.owner.user).id),
        "number": 1,
    }


@pytest.fixture
def wsgi_calls_keep_the_test_transaction(db, settings):
    settings.API_RATE = "1000000/min"  # fuzzing is many calls from one key; 429 is tested elsewhere
    # As Django's own test client does: the WSGI app would close the test's connection (and with it the
    # test's transaction) at the end of every request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Loaded from the app itself, as a client would: the schema under test is the one /api/schema/ serves.
served = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    ignored_auth,
    unsupported_method,
]


@pytest.mark.slow
@pytest.mark.usefixtures("wsgi_calls_keep_the_test_transaction")
@served.parametrize()
@hypothesis_settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_fuzzing_finds_no_server_error_and_no_response_outside_the_schema(case, trained, world):
    headers = {"Authorization": f"Bearer {trained.owner.key}"}
    case.call_and_validate(headers=headers, checks=CHECKS)
    # The same call on real objects of the caller, so it gets past "not found" into the services.
    if case.path_parameters:
        case.path_parameters = {name: world.get(name, value) for name, value in case.path_parameters.items()}
        case.call_and_validate(headers=headers, checks=CHECKS)
