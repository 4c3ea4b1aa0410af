"""Any version answers and downloads through the API, not only the active one: `?version=N` on predict and
export, a 404 in words for a version that does not exist, a 400 for one that is no number, and the parameter
in the OpenAPI schema."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.classifiers.api.conftest import hat_or_shoes_trained, make_person, train_now

pytestmark = pytest.mark.django_db(transaction=True)  # the prediction log writes committed rows


@pytest.fixture
def two_versions(monkeypatch):
    """Trained, its "shoes" renamed "boots", trained again: version 2 (in use) says "boots", version 1 "shoes"."""
    monkeypatch.setattr("classifiers.services.jobs.job_send", lambda **task: None)
    trained = hat_or_shoes_trained(make_person("ada"))
    base = f"/api/v1/classifiers/{trained.classifier_id}"
    renamed = trained.owner.client.patch(f"{base}/labels/{trained.labels['shoes']}/", {"name": "boots"}, format="json")
    assert renamed.status_code == 200, renamed.content
    train_now(trained.owner, trained.classifier_id)
    assert trained.owner.client.get(base + "/").json()["active_version"] == 2
    return trained


def shoes_photo(trained) -> SimpleUploadedFile:
    path = trained.held_out["shoes"]
    return SimpleUploadedFile(path.name, path.read_bytes(), content_type="image/jpeg")


def test_predict_answers_with_the_version_asked_for_and_the_active_one_otherwise(two_versions):
    client, base = two_versions.owner.client, f"/api/v1/classifiers/{two_versions.classifier_id}"
    older = client.post(f"{base}/predict/?version=1", {"file": shoes_photo(two_versions)}, format="multipart")
    assert older.status_code == 200, older.content
    assert (older.json()["label"], older.json()["version"]) == ("shoes", 1)
    active = client.post(f"{base}/predict/", {"file": shoes_photo(two_versions)}, format="multipart").json()
    assert (active["label"], active["version"]) == ("boots", 2)


def test_a_version_that_does_not_exist_or_is_no_number_is_refused_in_words(two_versions):
    client, base = two_versions.owner.client, f"/api/v1/classifiers/{two_versions.classifier_id}"
    missing = client.post(f"{base}/predict/?version=9", {"file": shoes_photo(two_versions)}, format="multipart")
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "This classifier has no version 9; its versions are 1, 2."
    nonsense = client.get(f"{base}/export/?version=newest")
    assert nonsense.status_code == 400
    assert nonsense.json()["error"]["message"] == "version: give a version number, such as 1."
    assert client.get(f"{base}/export/?version=3").status_code == 404


def test_export_downloads_the_version_asked_for(two_versions):
    client, base = two_versions.owner.client, f"/api/v1/classifiers/{two_versions.classifier_id}"
    response = client.get(f"{base}/export/?version=1")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="hat-or-shoes-v1.zip"'
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        labels = json.loads(archive.read("labels.json"))
    assert labels["version"] == 1 and "shoes" in json.dumps(labels) and "boots" not in json.dumps(labels)


def test_another_persons_classifier_is_not_found_whatever_the_version(two_versions):
    bob = make_person("bob")
    base = f"/api/v1/classifiers/{two_versions.classifier_id}"
    assert bob.client.get(f"{base}/export/?version=1").status_code == 404


def test_the_schema_documents_the_version_parameter_of_predict_and_export(nobody):
    schema = nobody.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for path, method in (("/api/v1/classifiers/{classifier_id}/predict/", "post"),
                         ("/api/v1/classifiers/{classifier_id}/export/", "get")):
        [parameter] = [p for p in schema["paths"][path][method]["parameters"] if p["name"] == "version"]
        assert (parameter["in"], parameter["schema"]["type"], parameter.get("required", False)) == (
            "query", "integer", False)
