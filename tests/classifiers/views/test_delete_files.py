"""Deleting a classifier on its page takes its files with it: the trained versions and the export zip under
the models folder, and its photos. The page says so, and nothing of it is left on disk."""

from __future__ import annotations

import pytest
from django.urls import reverse

from classifiers.models import Photo
from classifiers.services.catalog import classifier_create
from classifiers.services.uploads import photos_add_uploads
from tests.classifiers.api.conftest import data_settings
from tests.classifiers.tiny_model import tiny_model_save
from tests.classifiers.views.conftest import photo_upload

pytestmark = pytest.mark.django_db


def test_deleting_a_classifier_on_its_page_removes_its_model_and_photo_folders(
    ada, settings, tmp_path, django_capture_on_commit_callbacks
):
    for name, value in data_settings(tmp_path).items():
        setattr(settings, name, value)
    user, client = ada
    classifier = classifier_create(owner=user, name="Hats or shoes", label_names=["hat", "shoes"])
    photos_add_uploads(label=classifier.labels.get(name="hat"), files=[photo_upload("hat-0021.jpg")])
    models = tmp_path / "models" / str(classifier.id)
    tiny_model_save(models / "run-1")
    (models / "run-1" / "export.zip").write_bytes(b"PK")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("classifier_delete", args=[classifier.id]), follow=True)

    assert "Deleted “Hats or shoes” with its photos and trained versions." in response.content.decode()
    assert not models.exists()
    assert not (tmp_path / "media" / "examples" / str(classifier.id)).exists()
    assert not Photo.objects.exists()
    assert not (tmp_path / "media" / "examples").exists() or not any((tmp_path / "media" / "examples").iterdir())
