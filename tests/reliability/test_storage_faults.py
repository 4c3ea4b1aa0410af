"""The data folder full or unwritable while a new version's files are written: the run fails in words
after its retries, the active version keeps answering, and no half-written version is left behind."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from classifiers.models import ModelVersion, TrainingRun
from classifiers.services.prediction import predict_images
from classifiers.tasks import train_classifier
from tests.classifiers.conftest import photos
from tests.classifiers.services.test_training import train_now

pytestmark = pytest.mark.django_db


def train_through_the_task(classifier) -> TrainingRun:
    """The Celery task run in this process, retries included (eager retries skip the countdown)."""
    run = TrainingRun.objects.create(classifier=classifier)
    train_classifier.apply(args=[str(run.id)])
    run.refresh_from_db()
    return run


def assert_version_1_still_answers(classifier) -> None:
    classifier.refresh_from_db()
    assert classifier.active_version.number == 1
    assert ModelVersion.objects.filter(classifier=classifier).count() == 1
    answer = predict_images(classifier=classifier, images=[photos("clothing", "shoes")[13].read_bytes()])[0]
    assert answer["version"] == 1 and answer["label"] == "shoes"


@pytest.fixture
def tiny_filesystem(tmp_path):
    """A real, nearly full filesystem: a tmpfs a few KiB larger than what is put in it."""
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()

    def mount(contents: Path, spare_kib: int = 8) -> Path:
        size_kib = sum(f.stat().st_size for f in contents.rglob("*") if f.is_file()) // 1024 + spare_kib + 16
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs", str(mount_point)],
                                capture_output=True, text=True)
        if result.returncode != 0:
            pytest.skip(f"cannot mount a small tmpfs here: {result.stderr.strip()}")
        shutil.copytree(contents, mount_point, dirs_exist_ok=True)
        return mount_point

    yield mount
    subprocess.run(["umount", str(mount_point)], capture_output=True)


def test_a_full_data_folder_fails_the_run_in_words_and_keeps_the_old_version(clothes, settings, tiny_filesystem):
    assert train_now(clothes).status == "succeeded"
    settings.ARTIFACTS_DIR = tiny_filesystem(Path(settings.ARTIFACTS_DIR))

    run = train_through_the_task(clothes)

    assert run.status == "failed"
    assert run.error.startswith("Training kept failing for a temporary reason and was given up after several tries: "
                                "the data folder is full")
    assert "free some disk space, then press Train again" in run.error
    assert run.error.endswith("The previous version is still active.")
    assert run.attempts == 4  # the first try and three retries
    assert_version_1_still_answers(clothes)
    leftovers = [p.name for p in (Path(settings.ARTIFACTS_DIR) / str(clothes.id)).iterdir()]
    assert leftovers == [str(clothes.active_version.artifact).split("/")[-1]]  # no .tmp-* half version


def test_an_unwritable_data_folder_fails_the_run_in_words_and_keeps_the_old_version(clothes, settings, tmp_path):
    assert train_now(clothes).status == "succeeded"
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the worker expects its models folder")
    old_artifacts = Path(settings.ARTIFACTS_DIR)
    settings.ARTIFACTS_DIR = blocker / "models"

    run = train_through_the_task(clothes)

    assert run.status == "failed"
    assert "NanoWeb cannot write to its data folder" in run.error
    assert "check that the folder exists and that the worker may write to it" in run.error
    assert str(tmp_path) not in run.error  # no server paths on a page
    settings.ARTIFACTS_DIR = old_artifacts
    assert_version_1_still_answers(clothes)
