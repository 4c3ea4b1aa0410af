"""The one lookup family (classifiers.selectors.owned) behind the pages and the API: another person's
classifier, class, photo, search job and run are not found, on a page (the 404 page) and in the API (the
not_found error with the lookup's message) alike, and exactly as an id that does not exist.

tests/classifiers/*/test_ownership.py walk every route; this checks the family itself and that both
surfaces give the same answer for the same object.
"""

from __future__ import annotations

import uuid

import pytest
from django.http import Http404
from django.test import Client
from django.urls import reverse

from classifiers.selectors import owned
from classifiers.services.catalog import classifier_create
from nanoweb.errors import NotFound
from tests.classifiers.api.conftest import make_person, objects_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada():
    return make_person("ada")


@pytest.fixture
def bob():
    return make_person("bob")


@pytest.fixture
def adas(ada) -> dict:
    return objects_of(ada)


def page_client(person) -> Client:
    client = Client()
    client.force_login(person.user)
    return client


LOOKUPS = {
    "classifier": lambda user, o: owned.owned_classifier(user, o["classifier_id"]),
    "label": lambda user, o: owned.owned_label(user, o["classifier_id"], o["label_id"]),
    "photo": lambda user, o: owned.owned_photo(user, o["image_id"]),
    "search job": lambda user, o: owned.owned_search_job(user, o["job_id"], classifier_id=o["classifier_id"]),
    "run": lambda user, o: owned.owned_run(user, o["classifier_id"], o["run_id"]),
    "version": lambda user, o: owned.owned_version(user, o["classifier_id"], o["number"]),
}


@pytest.mark.parametrize("kind", LOOKUPS)
def test_the_owner_gets_the_object_and_anyone_else_a_404_for_both_surfaces(kind, ada, bob, adas):
    assert LOOKUPS[kind](ada.user, adas) is not None
    with pytest.raises(owned.NotYours) as raised:
        LOOKUPS[kind](bob.user, adas)
    # Http404 for the pages' 404 page, NotFound for the API's not_found error with this message.
    assert isinstance(raised.value, Http404)
    assert isinstance(raised.value, NotFound)
    assert raised.value.message


# (what, page, API path, the API's message), each for Ada's object asked for by someone else.
SURFACES = {
    "classifier": (lambda o: ("get", reverse("classifier_detail", args=[o["classifier_id"]])),
                   "/api/v1/classifiers/{classifier_id}/", "You have no classifier with id {classifier_id}."),
    "label": (lambda o: ("post", reverse("label_rename", args=[o["classifier_id"], o["label_id"]])),
              "/api/v1/classifiers/{classifier_id}/labels/{label_id}/",
              "Classifier {classifier_id} of yours has no class with id {label_id}."),
    "photo": (lambda o: ("get", reverse("photo_image", args=[o["image_id"]])),
              "/api/v1/images/{image_id}/file/", "You have no image with id {image_id}."),
    "search job": (lambda o: ("get", reverse("search_status", args=[o["classifier_id"], o["job_id"]])),
                   "/api/v1/search-jobs/{job_id}/", "You have no search job with id {job_id}."),
    "run": (lambda o: ("get", reverse("run_status", args=[o["classifier_id"], o["run_id"]])),
            "/api/v1/classifiers/{classifier_id}/runs/{run_id}/",
            "Classifier {classifier_id} of yours has no training run with id {run_id}."),
}


def answers(person, objects: dict, kind: str):
    page, api_path, _ = SURFACES[kind]
    method, url = page(objects)
    return getattr(page_client(person), method)(url), person.client.get(api_path.format(**objects))


@pytest.mark.parametrize("kind", SURFACES)
def test_a_page_and_the_api_both_answer_404_for_another_persons_object(kind, ada, bob, adas):
    page, api = answers(bob, adas, kind)
    assert page.status_code == 404
    assert b"Not found" in page.content
    assert api.status_code == 404
    assert api.json() == {"error": {"code": "not_found", "message": SURFACES[kind][2].format(**adas)}}


@pytest.mark.parametrize("kind", SURFACES)
def test_another_persons_object_is_answered_like_one_that_does_not_exist(kind, ada, bob, adas):
    missing = {name: (uuid.uuid4() if name.endswith("_id") else value) for name, value in adas.items()}
    theirs, nothing = answers(bob, adas, kind), answers(ada, missing, kind)
    for one, other in zip(theirs, nothing, strict=True):
        assert one.status_code == other.status_code == 404
    assert theirs[1].json()["error"]["message"] == SURFACES[kind][2].format(**adas)
    assert nothing[1].json()["error"]["message"] == SURFACES[kind][2].format(**missing)


def test_a_page_finds_a_search_job_only_under_its_own_classifier(ada, adas):
    # The pages address a search under its classifier: the person's own job under another of their
    # classifiers is not found either.
    other = classifier_create(owner=ada.user, name="second", label_names=["a", "b"])
    client = page_client(ada)
    assert client.get(reverse("search_status", args=[other.id, adas["job_id"]])).status_code == 404
    assert client.get(reverse("search_status", args=[adas["classifier_id"], adas["job_id"]])).status_code == 200


def test_a_page_activating_a_version_the_classifier_does_not_have_is_not_found(ada, adas):
    url = reverse("version_activate", args=[adas["classifier_id"], 7])
    assert page_client(ada).post(url).status_code == 404


def test_a_move_to_a_class_of_another_classifier_finds_no_class(ada, bob, adas):
    bobs = objects_of(bob)
    classifier = owned.owned_classifier(ada.user, adas["classifier_id"])
    assert owned.classifier_label(classifier, bobs["label_id"]) is None
    assert owned.classifier_label(classifier, "not-a-uuid") is None
    assert owned.classifier_label(classifier, adas["label_id"]).id == adas["label_id"]


def test_a_selection_keeps_only_the_classifiers_own_photos(ada, bob, adas):
    bobs = objects_of(bob)
    classifier = owned.owned_classifier(ada.user, adas["classifier_id"])
    chosen = owned.owned_photos(classifier, [adas["image_id"], bobs["image_id"], "junk", str(uuid.uuid4())])
    assert [e.id for e in chosen] == [adas["image_id"]]
