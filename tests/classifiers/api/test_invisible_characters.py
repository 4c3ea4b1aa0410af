"""Names people read must show every character they hold: a bell, an escape, a lone surrogate or a
direction override in a classifier name, a class name, a key name or a search phrase is refused through
the API with a 400 that says so in words, and nothing is saved."""

from __future__ import annotations

import json

import pytest

from accounts.models import ApiKey
from classifiers.models import Classifier, Label, SearchJob
from tests.classifiers.api.conftest import PASSWORD

pytestmark = pytest.mark.django_db

INVISIBLE = ["Hats\x07", "\x1b[31mHats", "Ha\x00ts", "Hats\x7f", "Ha\u202ets", "Hats\ud800", "Ha\x9bts"]


def refused(response, what: str) -> None:
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["message"].startswith(f"The {what} has an invisible control character in it (character ")
    assert error["message"].endswith("Type it again without that character.")


@pytest.mark.parametrize("name", INVISIBLE, ids=repr)
def test_a_classifier_name_with_a_control_character_is_refused(ada, name):
    # As a client sends it: JSON escapes (a lone surrogate can only travel as one).
    body = json.dumps({"name": name, "labels": ["hat", "cap"]})
    response = ada.client.generic("POST", "/api/v1/classifiers/", body, content_type="application/json")
    drf_refuses = {"Ha\x00ts": "Null characters are not allowed", "Hats\ud800": "Surrogate characters are not"}
    if name in drf_refuses:  # the API's fields refuse these two themselves, in their own words
        assert response.status_code == 400 and drf_refuses[name] in response.json()["error"]["message"]
    else:
        refused(response, "classifier name")
    assert not Classifier.objects.exists()


def test_class_names_with_control_characters_are_refused_when_created_added_or_renamed(ada, label):
    refused(ada.client.post("/api/v1/classifiers/", {"name": "Hats", "labels": ["hat", "cap\x1b"]}, format="json"),
            "class name")
    labels = f"/api/v1/classifiers/{label.classifier_id}/labels/"
    refused(ada.client.post(labels, {"name": "beret\x07"}, format="json"), "class name")
    refused(ada.client.patch(f"{labels}{label.id}/", {"name": "red\u2066 dress"}, format="json"), "class name")
    label.refresh_from_db()
    assert label.name == "red dress"
    assert not Label.objects.filter(name__contains="beret").exists()


def test_a_key_name_with_a_control_character_is_refused(ada, nobody):
    response = nobody.post("/api/v1/auth/keys/", {"username": "ada", "password": PASSWORD, "name": "lap\x07top"},
                           format="json")
    refused(response, "key name")
    assert ApiKey.objects.filter(user=ada.user).count() == 1  # only the fixture's


def test_a_search_phrase_with_a_control_character_is_refused(ada, label):
    url = f"/api/v1/classifiers/{label.classifier_id}/labels/{label.id}/search/"
    refused(ada.client.post(url, {"query": "red\x1b dress", "count": 5}, format="json"), "search phrase")
    assert not SearchJob.objects.exists()


def test_ordinary_names_in_any_script_with_emoji_and_tabs_are_kept(ada):
    response = ada.client.post(
        "/api/v1/classifiers/", {"name": "Chapeaux\tà  rayures 👩‍🍳", "labels": ["قبعة", "帽子"]}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "Chapeaux à rayures 👩‍🍳"  # white space collapsed, the joiner kept
