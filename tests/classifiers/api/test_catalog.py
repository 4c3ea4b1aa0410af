"""Classifiers and classes through the API: create, list, read, rename, delete, with errors in words."""

from __future__ import annotations

import os

import pytest

from classifiers.models import Classifier, Label, ModelVersion, Photo, TrainingRun
from tests.classifiers.api.conftest import photo_create

pytestmark = pytest.mark.django_db

CLASSIFIERS = "/api/v1/classifiers/"


def create(person, name="Dresses", labels=("blue-black dress", "white-gold dress")):
    return person.client.post(CLASSIFIERS, {"name": name, "labels": list(labels)}, format="json")


def test_it_creates_a_classifier_with_its_classes(ada):
    response = create(ada)
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Dresses"
    assert [(label["name"], label["image_count"]) for label in body["labels"]] == [
        ("blue-black dress", 0),
        ("white-gold dress", 0),
    ]
    assert body["status"] == "untrained"
    assert body["active_version"] is None
    assert Classifier.objects.get(id=body["id"]).owner == ada.user


def test_it_creates_a_classifier_from_a_multipart_form_too(ada):
    response = ada.client.post(CLASSIFIERS, {"name": "Shoes", "labels": ["boot", "sandal"]}, format="multipart")
    assert response.status_code == 201
    assert [label["name"] for label in response.json()["labels"]] == ["boot", "sandal"]


def test_it_says_which_field_is_missing(ada):
    response = ada.client.post(CLASSIFIERS, {"labels": ["a", "b"]}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["message"] == "name: This field is required."
    assert error["details"]["fields"] == {"name": ["This field is required."]}
    assert not Classifier.objects.exists()


def test_it_says_which_class_name_is_wrong_and_why(ada):
    response = ada.client.post(CLASSIFIERS, {"name": "x", "labels": ["ok", 7, "x" * 101]}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert "labels.2: Ensure this field has no more than 100 characters." in error["message"]
    assert error["details"]["fields"]["labels"]["2"] == ["Ensure this field has no more than 100 characters."]


def test_it_refuses_a_class_named_twice_with_the_services_message(ada):
    response = create(ada, labels=["Cat", "cat "])
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid",
        "message": 'The class "cat" is named twice. Give each class a different name.',
        "details": {"field": "labels"},
    }


def test_it_keeps_unicode_emoji_and_html_in_names_as_given(ada):
    name = "<script>alert(1)</script> 🐱 Ünïcode"
    response = create(ada, name=name, labels=[name, "dog"])
    assert response.status_code == 201
    assert response.json()["name"] == name
    assert response["Content-Type"] == "application/json"


def test_it_lists_only_your_classifiers_newest_first_paginated(ada, bob):
    create(ada, name="first")
    create(ada, name="second")
    create(bob, name="bob's")
    body = ada.client.get(CLASSIFIERS).json()
    assert body["count"] == 2
    assert [c["name"] for c in body["results"]] == ["second", "first"]
    page = ada.client.get(CLASSIFIERS, {"page_size": 1, "page": 2}).json()
    assert [c["name"] for c in page["results"]] == ["first"]
    assert page["previous"] and page["next"] is None


def test_a_page_past_the_end_is_a_404_in_the_error_shape(ada):
    response = ada.client.get(CLASSIFIERS, {"page": 5})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_it_shows_counts_training_status_and_active_version(ada):
    classifier_id = create(ada).json()["id"]
    classifier = Classifier.objects.get(id=classifier_id)
    label = classifier.labels.first()
    photo_create(label)
    photo_create(label, color=(10, 10, 200))
    TrainingRun.objects.create(classifier=classifier)
    body = ada.client.get(f"{CLASSIFIERS}{classifier_id}/").json()
    assert body["status"] == "training"
    assert body["labels"][0]["image_count"] == 2

    TrainingRun.objects.update(status="succeeded")
    version = ModelVersion.objects.create(classifier=classifier, number=1, artifact="x", backbone="b")
    Classifier.objects.filter(id=classifier_id).update(active_version=version)
    body = ada.client.get(f"{CLASSIFIERS}{classifier_id}/").json()
    assert (body["status"], body["active_version"]) == ("trained", 1)


def test_it_renames_a_classifier_and_sets_its_licence_option(ada):
    classifier_id = create(ada).json()["id"]
    response = ada.client.patch(f"{CLASSIFIERS}{classifier_id}/", {"name": "  The   dress "}, format="json")
    assert response.status_code == 200
    assert response.json()["name"] == "The dress"
    response = ada.client.patch(f"{CLASSIFIERS}{classifier_id}/", {"open_licenses_only": True}, format="json")
    assert response.json()["open_licenses_only"] is True
    assert response.json()["name"] == "The dress"


def test_renaming_to_an_empty_name_is_refused_and_changes_nothing(ada):
    classifier_id = create(ada).json()["id"]
    response = ada.client.patch(f"{CLASSIFIERS}{classifier_id}/", {"name": "   "}, format="json")
    assert response.status_code == 400
    assert Classifier.objects.get(id=classifier_id).name == "Dresses"


def test_it_deletes_a_classifier_with_its_classes_and_photos(ada, django_capture_on_commit_callbacks):
    classifier_id = create(ada).json()["id"]
    photo = photo_create(Label.objects.filter(classifier_id=classifier_id).first())
    path = photo.image.path
    with django_capture_on_commit_callbacks(execute=True):
        assert ada.client.delete(f"{CLASSIFIERS}{classifier_id}/").status_code == 204
    assert not Classifier.objects.filter(id=classifier_id).exists()
    assert not Photo.objects.exists()
    assert not os.path.exists(path)
    assert ada.client.get(f"{CLASSIFIERS}{classifier_id}/").status_code == 404


def test_it_adds_lists_renames_and_deletes_classes(ada):
    classifier_id = create(ada).json()["id"]
    labels_url = f"{CLASSIFIERS}{classifier_id}/labels/"
    added = ada.client.post(labels_url, {"name": "red dress"}, format="json")
    assert added.status_code == 201
    label = added.json()
    assert label["name"] == "red dress" and label["image_count"] == 0

    renamed = ada.client.patch(f"{labels_url}{label['id']}/", {"name": "crimson dress"}, format="json")
    assert renamed.json()["name"] == "crimson dress"
    assert ada.client.get(f"{labels_url}{label['id']}/").json()["name"] == "crimson dress"
    names = [item["name"] for item in ada.client.get(labels_url).json()["results"]]
    assert names == ["blue-black dress", "white-gold dress", "crimson dress"]

    assert ada.client.delete(f"{labels_url}{label['id']}/").status_code == 204
    assert ada.client.get(f"{labels_url}{label['id']}/").status_code == 404


def test_a_duplicate_class_name_is_a_409_that_names_the_field(ada):
    classifier_id = create(ada).json()["id"]
    response = ada.client.post(f"{CLASSIFIERS}{classifier_id}/labels/", {"name": "Blue-Black Dress"}, format="json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "conflict"
    assert error["details"] == {"field": "name"}
    assert 'already has a class called "Blue-Black Dress"' in error["message"]


def test_renaming_a_class_to_another_classes_name_is_a_409(ada):
    body = create(ada).json()
    first, second = body["labels"]
    response = ada.client.patch(
        f"{CLASSIFIERS}{body['id']}/labels/{second['id']}/", {"name": first["name"]}, format="json"
    )
    assert response.status_code == 409
    assert Label.objects.get(id=second["id"]).name == "white-gold dress"
