"""Correcting a logged answer through the API (POST .../predictions/{id}/feedback/): the corrected photo joins the
class it really is, waiting for review and never trained on before it is kept; the next version's metrics say
how it does on the corrected photos; and the "label these next" list (GET .../label-next/).

Transactional: the prediction log's thread writes the answers with its own connection, as in production.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from classifiers.models import Classifier, Correction, ModelVersion, Photo
from classifiers.services.predictions_log import prediction_log_flush
from classifiers.services.training import _training_photos
from tests.classifiers.api.conftest import e2e_photos, hat_or_shoes_trained, make_person, train_now

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def trained(monkeypatch):
    monkeypatch.setattr("classifiers.services.jobs.job_send", lambda **task: None)
    return hat_or_shoes_trained(make_person("ada"))


def answer(trained, path) -> dict:
    response = trained.owner.client.post(
        f"/api/v1/classifiers/{trained.classifier_id}/predict/",
        {"file": SimpleUploadedFile(path.name, path.read_bytes(), content_type="image/jpeg")}, format="multipart")
    assert response.status_code == 200, response.content
    assert prediction_log_flush(timeout=30)
    return response.json()


def feedback(client, trained, prediction_id: str, body: dict):
    return client.post(f"/api/v1/classifiers/{trained.classifier_id}/predictions/{prediction_id}/feedback/", body,
                       format="json")


def test_a_corrected_answer_becomes_a_photo_of_its_true_class_waiting_for_review(trained):
    hat = answer(trained, trained.held_out["hat"])
    assert hat["label"] == "hat"

    response = feedback(trained.owner.client, trained, hat["id"], {"label_id": trained.labels["shoes"]})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["prediction_id"] == hat["id"] and body["label_id"] == trained.labels["shoes"]
    assert body["none_of_these"] is False
    assert body["image"]["label"] == trained.labels["shoes"] and body["image"]["awaiting_review"] is True
    assert "waiting for your review" in body["message"]
    photo = Photo.objects.get(id=body["image"]["id"])
    assert photo.provider == "correction" and photo.original_name == trained.held_out["hat"].name
    # Never trained on before it is kept.
    classifier = Classifier.objects.get(id=trained.classifier_id)
    trained_on, excluded = _training_photos(classifier)
    assert photo not in trained_on and excluded["awaiting_review"] == 1
    # It is on the review list, and keeping it there makes it a training photo.
    review = trained.owner.client.get(f"/api/v1/classifiers/{trained.classifier_id}/review/").json()
    assert str(photo.id) in [row["id"] for row in review["results"]]
    kept = trained.owner.client.post(f"/api/v1/classifiers/{trained.classifier_id}/review/",
                                     {"action": "keep", "image_ids": [str(photo.id)]}, format="json")
    assert kept.status_code == 200
    assert photo in _training_photos(classifier)[0]


def test_saying_it_again_changes_the_correction_and_takes_back_the_photo_not_yet_reviewed(trained):
    hat = answer(trained, trained.held_out["hat"])
    first = feedback(trained.owner.client, trained, hat["id"], {"label_id": trained.labels["shoes"]}).json()
    # Changed to something the answer did not say: "hat" if it said none of these, else none of these.
    again = {"label_id": trained.labels["hat"]} if hat["unknown"] else {"none_of_these": True}

    second = feedback(trained.owner.client, trained, hat["id"], again)

    assert second.status_code == 200, second.content
    assert second.json()["none_of_these"] is not hat["unknown"]
    assert not Photo.objects.filter(id=first["image"]["id"]).exists()
    [correction] = Correction.objects.all()
    assert str(correction.prediction_id) == hat["id"]
    said = str(correction.label_id) if correction.label_id else None
    assert said == (trained.labels["hat"] if hat["unknown"] else None)
    assert Photo.objects.filter(provider="correction").count() == (1 if hat["unknown"] else 0)


def test_a_correction_that_repeats_the_answer_is_refused_in_words(trained):
    hat = answer(trained, e2e_photos("hat")[0])  # a photo it trained on: a plain "hat", never none of these
    assert (hat["label"], hat["unknown"]) == ("hat", False)
    response = feedback(trained.owner.client, trained, hat["id"], {"label_id": trained.labels["hat"]})
    assert response.status_code == 400
    assert "It already answered “hat”" in response.json()["error"]["message"]
    neither = feedback(trained.owner.client, trained, hat["id"], {})
    assert neither.status_code == 400
    assert "label_id" in str(neither.json()["error"])
    assert not Correction.objects.exists() and not Photo.objects.filter(provider="correction").exists()


def test_without_kept_photos_the_correction_is_kept_and_says_there_is_no_photo(trained):
    Classifier.objects.filter(id=trained.classifier_id).update(keep_prediction_photos=False)
    hat = answer(trained, trained.held_out["hat"])
    response = feedback(trained.owner.client, trained, hat["id"], {"label_id": trained.labels["shoes"]})
    assert response.status_code == 200
    assert response.json()["image"] is None
    assert "There is no photo to add to “shoes”" in response.json()["message"]
    assert Correction.objects.get().label_id is not None


def test_another_persons_answer_is_not_found(trained):
    hat = answer(trained, trained.held_out["hat"])
    bob = make_person("bob")
    response = feedback(bob.client, trained, hat["id"], {"none_of_these": True})
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert feedback(bob.client, trained, hat["id"], {"none_of_these": True}).json() == response.json()
    assert bob.client.get(f"/api/v1/classifiers/{trained.classifier_id}/label-next/").status_code == 404
    assert not Correction.objects.exists()


def test_the_next_version_says_how_it_does_on_the_corrected_photos(trained):
    # Two answers corrected to the other class: one photo kept (trained on), one left waiting for review.
    kept_one = answer(trained, trained.held_out["hat"])
    waiting_one = answer(trained, trained.held_out["shoes"])
    assert (kept_one["label"], waiting_one["label"]) == ("hat", "shoes")
    kept = feedback(trained.owner.client, trained, kept_one["id"], {"label_id": trained.labels["shoes"]}).json()
    feedback(trained.owner.client, trained, waiting_one["id"], {"label_id": trained.labels["hat"]})
    trained.owner.client.post(f"/api/v1/classifiers/{trained.classifier_id}/review/",
                              {"action": "keep", "image_ids": [kept["image"]["id"]]}, format="json")

    train_now(trained.owner, trained.classifier_id)

    version = ModelVersion.objects.get(classifier_id=trained.classifier_id, number=2)
    scored = version.metrics["corrections"]
    assert (scored["count"], scored["old_version"], scored["trained_on"], scored["without_photo"]) == (2, 1, 1, 0)
    assert scored["old_right"] == 0  # version 1 gave both answers that were corrected
    # The kept photo is judged by the cross-validation answer of a head that did not see it.
    wrong_held_out = {m["example_id"] for m in version.metrics["misclassified"]}
    assert scored["new_right"] >= int(kept["image"]["id"] not in wrong_held_out)
    assert 0 <= scored["new_right"] <= 2
    # The version after counts only the corrections made since.
    train_now(trained.owner, trained.classifier_id)
    assert ModelVersion.objects.get(classifier_id=trained.classifier_id, number=3).metrics["corrections"]["count"] == 0


def test_label_next_lists_uncorrected_answers_with_why_and_drops_them_once_corrected(trained):
    answers = [answer(trained, path) for path in e2e_photos("hat")[9:] + e2e_photos("shoes")[9:]]
    url = f"/api/v1/classifiers/{trained.classifier_id}/label-next/"

    listed = trained.owner.client.get(url)

    assert listed.status_code == 200
    rows = listed.json()
    assert {row["prediction"]["id"] for row in rows} == {a["id"] for a in answers}
    assert all(row["reasons"][-1] == "margin" and row["why"] and row["prediction"]["version"] == 1 for row in rows)
    image = trained.owner.client.get(rows[0]["prediction"]["image_url"])
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    first = rows[0]["prediction"]
    again = {"label_id": trained.labels["hat"]} if first["label"] != "hat" else {"none_of_these": True}
    assert feedback(trained.owner.client, trained, first["id"], again).status_code == 200
    assert first["id"] not in {row["prediction"]["id"] for row in trained.owner.client.get(url).json()}


def test_the_feedback_and_label_next_routes_are_in_the_openapi_schema(ada, client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    feedback_path = "/api/v1/classifiers/{classifier_id}/predictions/{prediction_id}/feedback/"
    sent = schema["paths"][feedback_path]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert {"label_id", "none_of_these"} <= set(schema["components"]["schemas"][sent.rsplit("/", 1)[-1]]["properties"])
    assert "404" in schema["paths"][feedback_path]["post"]["responses"]
    assert "200" in schema["paths"]["/api/v1/classifiers/{classifier_id}/label-next/"]["get"]["responses"]
