"""Training through the API: 202 and a run to poll, 409 while one is going, 400 when there is too little,
runs with their metrics, versions to switch between, and the model as a download."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from classifiers.models import TrainingRun
from tests.classifiers.api.conftest import train_now

pytestmark = pytest.mark.django_db


def test_a_run_is_queued_with_202_and_once_done_reports_its_metrics(trained):
    runs = trained.owner.client.get(f"/api/v1/classifiers/{trained.classifier_id}/runs/").json()
    assert [run["id"] for run in runs["results"]] == [trained.run_id]
    run = trained.owner.client.get(f"/api/v1/classifiers/{trained.classifier_id}/runs/{trained.run_id}/").json()
    assert (run["status"], run["progress"], run["version"], run["error"]) == ("succeeded", 1.0, 1, "")
    assert {"accuracy", "per_label", "confusion", "learning_curve"} <= set(run["metrics"])
    assert 0.5 <= run["metrics"]["accuracy"] <= 1.0  # hats against shoes: far better than chance
    classifier = trained.owner.client.get(f"/api/v1/classifiers/{trained.classifier_id}/").json()
    assert (classifier["status"], classifier["active_version"]) == ("trained", 1)
    assert [label["image_count"] for label in classifier["labels"]] == [8, 8]


def test_pressing_train_again_while_a_run_is_queued_is_a_409(trained, django_capture_on_commit_callbacks):
    url = f"/api/v1/classifiers/{trained.classifier_id}/train/"
    with django_capture_on_commit_callbacks(execute=False):
        first = trained.owner.client.post(url)
        second = trained.owner.client.post(url)
    assert first.status_code == 202
    assert (first.json()["status"], first.json()["version"]) == ("queued", None)
    assert second.status_code == 409
    assert second.json()["error"] == {
        "code": "conflict",
        "message": "This classifier is already training; wait for that run to finish.",
    }
    assert TrainingRun.objects.filter(status="queued").count() == 1
    classifier = trained.owner.client.get(f"/api/v1/classifiers/{trained.classifier_id}/").json()
    assert (classifier["status"], classifier["active_version"]) == ("training", 1)


def test_a_run_is_cancelled_with_202_then_409_and_the_classifier_trains_again(trained,
                                                                            django_capture_on_commit_callbacks):
    base = f"/api/v1/classifiers/{trained.classifier_id}/"
    with django_capture_on_commit_callbacks(execute=False):
        run = trained.owner.client.post(base + "train/").json()
    cancelled = trained.owner.client.post(base + f"runs/{run['id']}/cancel/")
    assert cancelled.status_code == 202
    assert (cancelled.json()["status"], cancelled.json()["error"]) == (
        "cancelled", "Cancelled. The version that was active before still is.")
    again = trained.owner.client.post(base + f"runs/{run['id']}/cancel/")
    assert again.status_code == 409
    assert again.json()["error"] == {
        "code": "conflict", "message": "This training has already ended (cancelled); there is nothing to cancel."}
    classifier = trained.owner.client.get(base).json()
    assert (classifier["status"], classifier["active_version"]) == ("trained", 1)
    with django_capture_on_commit_callbacks(execute=False):
        assert trained.owner.client.post(base + "train/").status_code == 202


def test_training_without_photos_is_a_400_that_says_what_is_missing(ada):
    classifier = ada.client.post("/api/v1/classifiers/", {"name": "empty", "labels": ["a", "b"]}, format="json").json()
    response = ada.client.post(f"/api/v1/classifiers/{classifier['id']}/train/")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["details"] == {"field": "examples"}
    assert error["message"]
    assert not TrainingRun.objects.filter(classifier_id=classifier["id"]).exists()


def test_it_lists_versions_and_switches_the_one_that_answers(trained, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        train_now(trained.owner, trained.classifier_id)
    base = f"/api/v1/classifiers/{trained.classifier_id}"
    versions = trained.owner.client.get(f"{base}/versions/").json()["results"]
    assert [(v["number"], v["active"]) for v in versions] == [(2, True), (1, False)]
    assert [label["name"] for label in versions[0]["labels"]] == ["hat", "shoes"]

    activated = trained.owner.client.post(f"{base}/versions/1/activate/")
    assert activated.status_code == 200
    assert (activated.json()["number"], activated.json()["active"]) == (1, True)
    assert trained.owner.client.get(f"{base}/").json()["active_version"] == 1
    with trained.held_out["hat"].open("rb") as handle:
        assert (
            trained.owner.client.post(f"{base}/predict/", {"file": handle}, format="multipart").json()["version"] == 1
        )

    missing = trained.owner.client.post(f"{base}/versions/7/activate/")
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "This classifier has no version 7."


def test_it_exports_the_active_version_as_a_zip_with_the_onnx_model_and_labels(trained):
    response = trained.owner.client.get(
        f"/api/v1/classifiers/{trained.classifier_id}/export/", HTTP_ACCEPT="application/zip"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="hat-or-shoes-v1.zip"'
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert {"model.onnx", "labels.json"} <= set(archive.namelist())
    assert "hat" in json.dumps(json.loads(archive.read("labels.json")))


def test_export_before_any_training_is_a_409_in_json(ada):
    classifier = ada.client.post("/api/v1/classifiers/", {"name": "new", "labels": ["a", "b"]}, format="json").json()
    response = ada.client.get(f"/api/v1/classifiers/{classifier['id']}/export/", HTTP_ACCEPT="application/zip")
    assert response.status_code == 409
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "conflict"
