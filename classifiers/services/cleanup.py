"""The files a classifier leaves on disk, removed with it, and a sweep for the ones a crash left behind.

A classifier's files live in two folders named by its id: its trained versions under ARTIFACTS_DIR/<id>/
(each version's model.json with the class names and metrics naming photos, arrays.npz with the "none of
these" bank of photo features, the export zip beside them), its photos under MEDIA examples/<id>/ and the
photos its prediction log kept under MEDIA predictions/<id>/.
They are removed after the row is gone (on commit), so a failure leaves files without a row, never a row
without files; whatever a crash or a failure left is found by `orphan_files_delete`, which every worker
runs from its recovery loop. A folder is only swept when no classifier row has its id and nothing in it
changed for a while: a folder being written right now (a training that has not saved its version yet, an
upload) is always younger than that.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
import uuid
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.core.files.storage import Storage, default_storage

from classifiers.models import Classifier, Photo, Prediction
from classifiers.services.prediction import loaded_models_forget

log = logging.getLogger(__name__)

PHOTO_FOLDER = "examples"  # classifiers.models.photo_upload_path
LOG_PHOTO_FOLDER = "predictions"  # classifiers.models.prediction_photo_path
# Nothing in a folder swept as an orphan changed for this long. Far longer than any write takes: a model is
# written in seconds, and a training touches its folder only when it saves.
ORPHAN_GRACE_SECONDS = 3600


def classifier_files_delete(*, classifier_id: uuid.UUID | str, version_ids: Iterable[uuid.UUID] = ()) -> None:
    """Remove a deleted classifier's model and photo folders, and forget its models loaded in this process.
    Failures are logged, not raised: the row is gone already, and the sweep retries later."""
    loaded_models_forget(version_ids=version_ids)
    try:
        shutil.rmtree(Path(settings.ARTIFACTS_DIR) / str(classifier_id))
    except FileNotFoundError:
        pass
    except OSError:
        log.exception("could not remove the model files of deleted classifier %s", classifier_id)
    for root in (PHOTO_FOLDER, LOG_PHOTO_FOLDER):
        try:
            _photo_folder_delete(default_storage, root, str(classifier_id))
        except Exception:  # a storage service may fail in its own ways
            log.exception("could not remove the %s files of deleted classifier %s", root, classifier_id)


def _has_live_files(root: str, classifier_folder: str) -> bool:
    """Whether a row still points at a file in root/classifier_folder/ (a photo, or a logged answer's photo)."""
    if root == LOG_PHOTO_FOLDER:
        # Named by the classifier's id (prediction_photo_path): asked through the log's index, not its paths.
        return Prediction.objects.filter(classifier_id=classifier_folder).exclude(photo="").exists()
    return Photo.objects.filter(image__startswith=f"{root}/{classifier_folder}/").exists()


def _photo_folder_delete(storage: Storage, root: str, classifier_folder: str) -> None:
    if _has_live_files(root, classifier_folder):
        return  # a live row's file is in it: never ours to remove
    folder = f"{root}/{classifier_folder}"
    local = _local_path(storage, folder)
    if local is not None:
        if local.exists():
            shutil.rmtree(local)
        return
    _, files = storage.listdir(folder)
    for name in files:
        storage.delete(f"{folder}/{name}")


def _local_path(storage: Storage, name: str) -> Path | None:
    try:
        return Path(storage.path(name))
    except NotImplementedError:  # a storage service (S3): files only through the storage's own calls
        return None


def orphan_files_delete(*, grace_seconds: float = ORPHAN_GRACE_SECONDS) -> int:
    """Remove model and photo folders named by a classifier id that has no row, once nothing in them changed
    for `grace_seconds`; returns how many folders were removed."""
    cutoff = time.time() - grace_seconds
    removed = 0
    models = Path(settings.ARTIFACTS_DIR)
    for folder in _orphans(_subfolders(models)):
        if _newest_change(folder) < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
            log.warning("removed the model files of a classifier that no longer exists: %s", folder)
    for root in (PHOTO_FOLDER, LOG_PHOTO_FOLDER):
        removed += _photo_orphans_delete(default_storage, root, cutoff)
    return removed


def _subfolders(root: Path) -> list[Path]:
    try:
        return [entry for entry in root.iterdir() if entry.is_dir()]
    except FileNotFoundError:
        return []


def _orphans(folders: list[Path]) -> list[Path]:
    """The folders named by a classifier id with no row. Folders with other names are not NanoWeb's."""
    named = {}
    for folder in folders:
        try:
            named[uuid.UUID(folder.name)] = folder
        except ValueError:
            continue
    alive = set(Classifier.objects.filter(id__in=list(named)).values_list("id", flat=True))
    return [folder for classifier_id, folder in named.items() if classifier_id not in alive]


def _newest_change(folder: Path) -> float:
    """The latest modification time of the folder and everything in it (a write anywhere in it counts)."""
    newest = folder.stat().st_mtime
    for parent, dirs, files in os.walk(folder):
        for name in dirs + files:
            try:
                newest = max(newest, os.stat(os.path.join(parent, name), follow_symlinks=False).st_mtime)
            except FileNotFoundError:
                continue
    return newest


def _photo_orphans_delete(storage: Storage, root: str, cutoff: float) -> int:
    local = _local_path(storage, root)
    removed = 0
    if local is not None:
        for folder in _orphans(_subfolders(local)):
            if _newest_change(folder) < cutoff and not _has_live_files(root, folder.name):
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
                log.warning("removed the %s files of a classifier that no longer exists: %s", root, folder)
        return removed
    try:
        names, _ = storage.listdir(root)
    except FileNotFoundError:
        return 0
    for name in names:
        try:
            classifier_id = uuid.UUID(name)
        except ValueError:
            continue
        if Classifier.objects.filter(id=classifier_id).exists() or _has_live_files(root, name):
            continue
        folder = f"{root}/{name}"
        _, files = storage.listdir(folder)
        if all(storage.get_modified_time(f"{folder}/{file}").timestamp() < cutoff for file in files):
            for file in files:
                storage.delete(f"{folder}/{file}")
            removed += 1
    return removed
