"""A deleted classifier's files go with it, and the workers' sweep removes what a crash left behind: model
and photo folders whose classifier row is gone and that nobody wrote to for a while, never a live
classifier's folder nor one being written right now."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from classifiers.models import Classifier, ModelVersion
from classifiers.services import prediction
from classifiers.services.catalog import classifier_delete
from classifiers.services.cleanup import ORPHAN_GRACE_SECONDS, orphan_files_delete
from classifiers.services.recovery import orphans_recover
from tests.classifiers.api.conftest import data_settings
from tests.classifiers.tiny_model import tiny_model_save

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(settings, tmp_path) -> Path:
    for name, value in data_settings(tmp_path).items():
        setattr(settings, name, value)
    return tmp_path


def age(folder: Path, seconds: float) -> None:
    """Make the folder and everything in it look last written `seconds` ago."""
    when = time.time() - seconds
    for parent, dirs, files in os.walk(folder):
        for name in dirs + files:
            os.utime(os.path.join(parent, name), (when, when))
    os.utime(folder, (when, when))


def files_of(data: Path, classifier_id) -> tuple[Path, Path]:
    """Its model folder (a version and an export zip beside it) and its photo folder, both on disk."""
    models = data / "models" / str(classifier_id)
    tiny_model_save(models / str(uuid.uuid4()))
    (models / "export.zip").write_bytes(b"PK")
    default_storage.save(f"examples/{classifier_id}/{uuid.uuid4()}.jpg", ContentFile(b"jpeg"))
    return models, data / "media" / "examples" / str(classifier_id)


def test_the_sweep_removes_an_old_orphan_and_leaves_a_live_folder_and_a_fresh_one(data, owner):
    live = Classifier.objects.create(owner=owner, name="Hats")
    old_orphan, fresh_orphan = uuid.uuid4(), uuid.uuid4()
    folders = {key: files_of(data, key) for key in (live.id, old_orphan, fresh_orphan)}
    not_ours = data / "models" / "backups"
    not_ours.mkdir()
    for key in (live.id, old_orphan):
        for folder in folders[key]:
            age(folder, ORPHAN_GRACE_SECONDS + 60)
    age(not_ours, ORPHAN_GRACE_SECONDS + 60)

    assert orphan_files_delete() == 2  # the old orphan's model folder and photo folder

    assert not any(folder.exists() for folder in folders[old_orphan])
    assert all(folder.exists() for folder in folders[live.id])  # its row exists, however old its files
    assert all(folder.exists() for folder in folders[fresh_orphan])  # maybe being written right now
    assert not_ours.exists()  # not named by a classifier id: not NanoWeb's


def test_a_write_anywhere_in_an_orphan_folder_keeps_it_for_another_grace_period(data):
    orphan = uuid.uuid4()
    models, photos = files_of(data, orphan)
    (models / ".tmp-v2").mkdir()
    for folder in (models, photos):
        age(folder, ORPHAN_GRACE_SECONDS + 60)
    (models / ".tmp-v2" / "arrays.npz").write_bytes(b"")  # a version being saved: only its own folder changes
    default_storage.save(f"examples/{orphan}/late.jpg", ContentFile(b"jpeg"))  # an upload finishing
    assert orphan_files_delete() == 0
    assert models.exists() and photos.exists()
    age(models, ORPHAN_GRACE_SECONDS + 60)
    age(photos, ORPHAN_GRACE_SECONDS + 60)
    assert orphan_files_delete() == 2


def test_every_workers_recovery_round_runs_the_sweep(data):
    orphan = uuid.uuid4()
    for folder in files_of(data, orphan):
        age(folder, ORPHAN_GRACE_SECONDS + 60)
    assert orphans_recover()["orphan_folders"] == 2
    assert not (data / "models" / str(orphan)).exists()
    assert not (data / "media" / "examples" / str(orphan)).exists()


def test_deleting_a_classifier_removes_its_files_and_forgets_its_loaded_model(
    data, owner, django_capture_on_commit_callbacks
):
    classifier = Classifier.objects.create(owner=owner, name="Hats")
    models, photos = files_of(data, classifier.id)
    version = ModelVersion.objects.create(classifier=classifier, number=1, backbone="efficientnet-lite0",
                                          artifact=f"{classifier.id}/{next(models.glob('*-*-*')).name}")
    prediction.loaded_model(version)
    assert version.id in prediction._models

    with django_capture_on_commit_callbacks(execute=True):
        classifier_delete(classifier=classifier)

    assert not models.exists() and not photos.exists()
    assert version.id not in prediction._models


def test_a_process_that_did_not_delete_the_classifier_forgets_its_model_at_its_next_load(data, owner):
    classifier = Classifier.objects.create(owner=owner, name="Hats")
    models = data / "models" / str(classifier.id)
    first, second = (ModelVersion.objects.create(classifier=classifier, number=n, backbone="efficientnet-lite0",
                                                 artifact=f"{classifier.id}/v{n}") for n in (1, 2))
    for version in (first, second):
        tiny_model_save(models / f"v{version.number}")
    prediction.loaded_model(first)
    ModelVersion.objects.filter(id=first.id).delete()  # as another web process's delete does
    prediction.loaded_model(second)
    assert first.id not in prediction._models and second.id in prediction._models
