"""`manage.py benchmark` on the test photos: every figure the issue names is there, the figures agree with
each other, the database is left as it was (the benchmark deletes what it made once it is done) and a
photo it cannot read is named and left out; on a fresh data folder it creates the app's tables first."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from classifiers.models import Classifier, Photo, TrainingRun
from tests.classifiers.conftest import ENGINE_DATA
from tests.worker import manage, process_env


@pytest.mark.django_db
def test_the_benchmark_reports_throughput_training_and_latency_and_leaves_nothing_behind(tmp_path):
    # The test photos, with a damaged file among them, as sets found in the wild have.
    folder = tmp_path / "clothing"
    shutil.copytree(ENGINE_DATA / "clothing", folder)
    (folder / "shoes" / "damaged.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    out = io.StringIO()
    call_command(
        "benchmark", dir=str(folder), images=16, predictions=5, train="2x12,3x16", rounds=2, precision="int8",
        json=True, stdout=out,
    )
    lines = out.getvalue().strip().splitlines()
    report = json.loads(lines[-1])

    assert lines[0] == "left out 1 photos that could not be read: shoes/damaged.jpg"

    for key in ("onnx_img_per_s", "torch_img_per_s", "onnx_app_photos_per_s", "peak_rss_mb"):
        assert report[key] > 0, key
    assert report["speedup_ratio"] == round(report["onnx_img_per_s"] / report["torch_img_per_s"], 2)
    assert report["app_views"] == ["centre", "full"]
    for size in ("2x12", "3x16"):
        # A warm cache skips embedding every photo, which is most of a cold run's time.
        assert 0 < report[f"train_{size}_warm_s"] < report[f"train_{size}_cold_s"], size
        # Today's engine (Lite0 float) trained the same photos one after the other, for the ratio.
        today = report["training"]["efficientnet-lite0/float"]
        assert report["train_speedup_vs_today"][f"{size}_cold"] == round(
            today[f"{size}_cold_s"] / report[f"train_{size}_cold_s"], 2
        )
    engines = report["engines"]
    assert set(engines) == {"efficientnet-lite0/float", "efficientnet-lite0/int8"}
    for engine in engines.values():
        assert isinstance(engine["built_now"], bool) and engine["open_s"] >= 0
        low, high = engine["photos_per_s_range"]
        assert 0 < low <= engine["photos_per_s"] <= high
        # The repository's photos: 3 classes that look nothing alike, far above the 33 % of guessing.
        assert engine["accuracy_k5"]["clothing"] >= 0.8 and engine["accuracy_k5"]["trashnet"] > 0.4
    int8 = engines["efficientnet-lite0/int8"]
    assert int8["runs_as"] == "int8" and int8["int8_check"]["mean_cosine"] >= 0.98
    assert report["int8_speedup"]["efficientnet-lite0"] > 0
    assert 0 < report["predict_p50_ms"] <= report["predict_p99_ms"]
    # The same figures are printed for people first, the JSON object comes last.
    assert any(line.strip().startswith("onnx_app_photos_per_s:") for line in lines[:-1])
    assert (get_user_model().objects.count(), Classifier.objects.count()) == (0, 0)
    assert (Photo.objects.count(), TrainingRun.objects.count()) == (0, 0)


def test_on_a_data_folder_nothing_has_run_in_yet_it_creates_the_tables_first_instead_of_failing(tmp_path):
    # A fresh NANOWEB_DATA_DIR on the embedded SQLite default: no tables yet, as after a clone.
    env = process_env(NANOWEB_DATA_DIR=str(tmp_path), DATABASE_URL=None)
    result = manage(
        "benchmark", "--images", "8", "--predictions", "3", "--train", "2x8", "--rounds", "1", "--precision", "float",
        "--json", env=env, timeout=300,
    )

    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert "applying them first, as `make run` does" in lines[0]
    assert json.loads(lines[-1])["train_2x8_cold_s"] > 0
    with sqlite3.connect(tmp_path / "nanoweb.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM django_migrations").fetchone()[0] > 0
        assert db.execute("SELECT COUNT(*) FROM classifiers_classifier").fetchone()[0] == 0
