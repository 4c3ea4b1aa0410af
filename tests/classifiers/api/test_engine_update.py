"""The engine update through the API: a classifier whose version is on an older engine says so, retrains
with the new one (202 and a run), shows both accuracies measured on the same folds, keeps answering with the
old version until the client chooses the new one, and then answers and exports with the new engine.

The classifier is trained on Lite0 float (today's default); each test makes int8 the default."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from classifiers.services.training import training_run_execute

pytestmark = pytest.mark.django_db


@pytest.fixture
def int8_is_the_new_default(settings):
    settings.DEFAULT_BACKBONE, settings.DEFAULT_PRECISION = "efficientnet-lite0", "int8"
    settings.ENGINE_UPDATE_AUTO_ACTIVATE = False


def predict(trained, name: str) -> dict:
    with open(trained.held_out[name], "rb") as handle:
        response = trained.owner.client.post(
            f"/api/v1/classifiers/{trained.classifier_id}/predict/", {"file": handle}, format="multipart")
    assert response.status_code == 200, response.content
    return response.json()


def test_nothing_to_update_on_todays_engine_is_said_and_refused_in_words(trained, settings):
    settings.DEFAULT_BACKBONE, settings.DEFAULT_PRECISION = "efficientnet-lite0", "float"
    base = f"/api/v1/classifiers/{trained.classifier_id}/"
    assert trained.owner.client.get(base).json()["engine_update_available"] is False
    state = trained.owner.client.get(base + "engine-update/").json()
    assert (state["available"], state["status"], state["run"]) == (False, "none", None)
    assert state["new"] == {"backbone": "efficientnet-lite0", "precision": "float"}
    refused = trained.owner.client.post(base + "engine-update/")
    assert refused.status_code == 409
    assert refused.json()["error"] == {"code": "conflict", "message": (
        "There is nothing to update: this classifier's version already reads photos the way NanoWeb does today.")}
    assert trained.owner.client.post(base + "engine-update/adopt/").status_code == 409


def test_a_client_retrains_with_the_new_engine_compares_and_chooses_it(trained, int8_is_the_new_default):
    client, base = trained.owner.client, f"/api/v1/classifiers/{trained.classifier_id}/"
    assert client.get(base).json()["engine_update_available"] is True
    offer = client.get(base + "engine-update/").json()
    assert offer | {"message": ""} == {
        "available": True, "status": "offered", "message": "", "current_version": 1,
        "current": {"backbone": "efficientnet-lite0", "precision": "float"},
        "new": {"backbone": "efficientnet-lite0", "precision": "int8"},
        "run": None, "version": None, "accuracy": None, "previous_accuracy": None, "photos": None, "folds": None,
        "auto_activate": False}
    assert offer["message"].startswith("NanoWeb has a better way to read photos since this version was made.")

    started = client.post(base + "engine-update/")
    assert started.status_code == 202, started.content
    run_id = started.json()["id"]
    assert client.get(base + "engine-update/").json()["status"] == "training"
    early = client.post(base + "engine-update/adopt/")
    assert (early.status_code, early.json()["error"]["message"]) == (
        409, "The new version is still training; choose it once it is ready.")
    training_run_execute(run_id=run_id)  # what the worker's task calls
    run = client.get(base + f"runs/{run_id}/").json()
    assert (run["status"], run["version"]) == ("succeeded", 2)

    ready = client.get(base + "engine-update/").json()
    assert (ready["status"], ready["run"], ready["version"], ready["current_version"]) == ("ready", run_id, 2, 1)
    versions = {v["number"]: v for v in client.get(base + "versions/").json()["results"]}
    # Both figures on the 16 photos, on the same folds; version 1's own figure came from those very folds.
    assert (ready["photos"], ready["folds"]) == (16, versions[2]["metrics"]["folds"])
    assert ready["accuracy"] == versions[2]["metrics"]["accuracy"]
    assert ready["previous_accuracy"] == versions[1]["metrics"]["accuracy"]
    assert versions[2]["metrics"]["engine_update"]["previous_version"] == 1
    # Until chosen, version 1 answers, in float.
    assert (versions[1]["active"], versions[2]["active"], versions[2]["precision"]) == (True, False, "int8")
    assert predict(trained, "hat")["version"] == 1

    chosen = client.post(base + "engine-update/adopt/")
    assert chosen.status_code == 200, chosen.content
    assert (chosen.json()["number"], chosen.json()["active"], chosen.json()["precision"]) == (2, True, "int8")
    classifier = client.get(base).json()
    assert (classifier["active_version"], classifier["engine_update_available"]) == (2, False)
    assert client.get(base + "engine-update/").json()["status"] == "none"
    answer = predict(trained, "shoes")
    assert (answer["version"], answer["label"]) == (2, "shoes")
    # The download carries the engine that now answers.
    export = client.get(base + "export/")
    assert export.status_code == 200
    assert json.loads(zipfile.ZipFile(io.BytesIO(export.content)).read("labels.json"))["precision"] == "int8"


def test_the_schema_documents_the_engine_update(nobody):
    schema = nobody.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    update = paths["/api/v1/classifiers/{classifier_id}/engine-update/"]
    assert set(update) >= {"get", "post"}
    assert "202" in update["post"]["responses"] and "409" in update["post"]["responses"]
    assert "409" in paths["/api/v1/classifiers/{classifier_id}/engine-update/adopt/"]["post"]["responses"]
    fields = schema["components"]["schemas"]["EngineUpdate"]["properties"]
    assert {"available", "status", "accuracy", "previous_accuracy", "folds"} <= set(fields)
    assert "engine_update_available" in schema["components"]["schemas"]["Classifier"]["properties"]
