"""JSON nested a thousand levels deep: Python's parser would recurse until a RecursionError (a 500 on every
JSON endpoint, making a key without one included). Every operation of the schema that reads JSON answers
400 in the error envelope, saying the body nests too deeply; nothing is created."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import ApiKey
from classifiers.api.parsers import MAX_JSON_DEPTH, nesting_depth_exceeds
from classifiers.models import Classifier, ModelVersion
from tests.classifiers.api.conftest import objects_of
from tests.classifiers.tiny_model import tiny_model_save

pytestmark = pytest.mark.django_db

DEEP = b"[" * 1000 + b"]" * 1000
DEEP_IN_AN_OBJECT = b'{"name": "x", "labels": ' + b"[" * 1000 + b"]" * 1000 + b"}"


def json_operations(client: APIClient) -> list[tuple[str, str]]:
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    return [
        (method, path)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "application/json" in (operation.get("requestBody") or {}).get("content", {})
    ]


def test_every_json_operation_refuses_a_thousand_levels_with_a_400_in_words(ada, settings, tmp_path):
    operations = json_operations(APIClient())
    # The operations that read JSON bodies: making a key, classifiers, classes, image links, searches, review.
    assert ("post", "/api/v1/auth/keys/") in operations
    assert len(operations) >= 8, operations
    ids = objects_of(ada)
    # Its version's files load, so predicting gets past "cannot be read" to the body.
    settings.ARTIFACTS_DIR = tmp_path
    tiny_model_save(tmp_path / ModelVersion.objects.get(classifier_id=ids["classifier_id"]).artifact)
    classifiers_before = Classifier.objects.count()
    for method, path in operations:
        url = path.format(**{name: ids[name] for name in ids})
        for body in (DEEP, DEEP_IN_AN_OBJECT):
            response = ada.client.generic(method.upper(), url, body, content_type="application/json")
            assert response.status_code == 400, (method, path, response.status_code, response.content[:300])
            error = response.json()["error"]
            assert error["code"] == "parse_error", (method, path)
            assert error["message"] == (
                "The request body could not be read: its lists and objects are nested more than "
                f"{MAX_JSON_DEPTH} levels deep. No request needs that many; send the data flatter."
            ), (method, path)
    assert Classifier.objects.count() == classifiers_before


def test_making_a_key_without_one_refuses_deep_json_before_anything_else(ada):
    response = APIClient().post("/api/v1/auth/keys/", DEEP, content_type="application/json")
    assert response.status_code == 400
    assert "nested more than" in response.json()["error"]["message"]
    assert ApiKey.objects.filter(user=ada.user).count() == 1  # only the fixture's


def test_a_body_at_the_depth_limit_is_read_as_usual(ada):
    # 32 levels in all: the object, then 31 lists around the one name; the service then refuses it in words.
    nested = "[" * (MAX_JSON_DEPTH - 1) + '"hat"' + "]" * (MAX_JSON_DEPTH - 1)
    body = f'{{"name": "deep", "labels": {nested}}}'
    response = ada.client.generic("POST", "/api/v1/classifiers/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"  # read, then judged by the serializer


def test_brackets_inside_strings_do_not_count(ada):
    assert not nesting_depth_exceeds('{"name": "' + "[" * 5000 + '"}', MAX_JSON_DEPTH)
    body = '{"name": "' + "[" * 60 + '", "labels": ["a \\" [[[{{{", "b"]}'
    response = ada.client.generic("POST", "/api/v1/classifiers/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert [label["name"] for label in response.json()["labels"]] == ['a " [[[{{{', "b"]


def test_brackets_that_never_close_are_refused_in_the_same_words(ada):
    for body in (b"[" * 5000, b'{"a": ' * 2000, b'[{"a": ' * 1000):
        response = ada.client.generic("POST", "/api/v1/classifiers/", body, content_type="application/json")
        assert response.status_code == 400, body[:10]
        assert "nested more than" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("text", "deeper"),
    [
        ("[" * 32 + "]" * 32, False),
        ("[" * 33 + "]" * 33, True),
        ('[{"a": [' + "{}," * 100 + "{}]}]", False),
        ("[" * 1000, False),  # not JSON at all: left for the parser, which says where it breaks
        ('{"a": ' * 40 + "1" + "}" * 40, True),
    ],
)
def test_the_depth_is_counted_by_levels(text, deeper):
    assert nesting_depth_exceeds(text, MAX_JSON_DEPTH) is deeper
