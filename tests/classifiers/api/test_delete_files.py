"""DELETE /api/v1/classifiers/{id}/ takes the classifier's files with it: its trained versions (class names,
metrics naming photos, the "none of these" bank of photo features), the export zip beside them and its
photos. Nothing of it is left on disk for anyone to find."""

from __future__ import annotations

import pytest

from classifiers.models import Label, ModelVersion
from tests.classifiers.api.conftest import data_settings, photo_create
from tests.classifiers.tiny_model import tiny_model_save

pytestmark = pytest.mark.django_db


def test_deleting_a_classifier_through_the_api_removes_its_model_and_photo_folders(
    ada, settings, tmp_path, django_capture_on_commit_callbacks
):
    for name, value in data_settings(tmp_path).items():
        setattr(settings, name, value)
    body = ada.client.post("/api/v1/classifiers/", {"name": "Hats", "labels": ["hat", "cap"]}, format="json").json()
    photo = photo_create(Label.objects.get(id=body["labels"][0]["id"]))
    version_folder = tmp_path / "models" / body["id"] / "run-1"
    tiny_model_save(version_folder)
    (version_folder / "export.zip").write_bytes(b"PK")
    ModelVersion.objects.create(classifier_id=body["id"], number=1, artifact=f"{body['id']}/run-1", backbone="b")
    photo_folder = tmp_path / "media" / "examples" / body["id"]
    assert photo_folder.is_dir() and (version_folder / "model.json").exists()

    with django_capture_on_commit_callbacks(execute=True):
        assert ada.client.delete(f"/api/v1/classifiers/{body['id']}/").status_code == 204

    assert not (tmp_path / "models" / body["id"]).exists()
    assert not photo_folder.exists()
    assert not ModelVersion.objects.filter(classifier_id=body["id"]).exists()
    assert ada.client.get(f"/api/v1/images/{photo.id}/file/").status_code == 404
