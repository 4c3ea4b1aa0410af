"""The int8 twin of a backbone: features and answers like the float model's, refused when it drifts."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys

import numpy as np
import onnx
import pytest

from classifiers.ml import quantize
from classifiers.ml.extract import OnnxExtractor
from classifiers.ml.predictor import Predictor
from classifiers.ml.training import train
from tests.classifiers.ml import stand_in_quantizers
from tests.classifiers.ml.conftest import DATA, ROOT, embed_folder


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = a.reshape(-1, a.shape[-1]), b.reshape(-1, b.shape[-1])
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


@pytest.fixture(scope="module")
def int8_clothing(int8_extractor):
    return embed_folder(int8_extractor, DATA / "clothing")


def test_the_twin_is_a_smaller_int8_graph_beside_the_float_file(extractor, int8_extractor):
    assert int8_extractor.model_path.parent == extractor.model_path.parent
    assert int8_extractor.model_path.name.startswith("efficientnet-lite0-int8-")
    assert int8_extractor.model_path.stat().st_size < extractor.model_path.stat().st_size / 2
    ops = {node.op_type for node in onnx.load(str(int8_extractor.model_path)).graph.node}
    assert {"QuantizeLinear", "DequantizeLinear"} <= ops


def test_quantizing_leaves_onnx_and_the_quantizer_out_of_the_process_that_asked(int8_built_by_a_fresh_process):
    """The twin is quantized in a child process: a web process or worker that builds it on first use keeps
    ONNX Runtime's size, not the quantizer's imports and calibration sessions, for the rest of its life."""
    assert int8_built_by_a_fresh_process == {"precision": "int8", "loaded": []}


def test_int8_features_of_photos_it_was_not_calibrated_on_point_where_the_float_ones_do(
    clothing, int8_clothing, int8_extractor
):
    similar = cosines(clothing.features, int8_clothing.features)
    assert similar.mean() >= 0.98 and similar.min() >= 0.9, (similar.mean(), similar.min())
    trash = embed_folder(int8_extractor, DATA / "trashnet")
    float_trash = embed_folder(OnnxExtractor("efficientnet-lite0", cache_dir=int8_extractor.model_path.parent),
                               DATA / "trashnet")
    assert cosines(float_trash.features, trash.features).mean() >= 0.98


def test_a_model_trained_on_int8_features_gives_the_float_models_answers(clothing, int8_clothing, int8_extractor,
                                                                         extractor):
    """Trained on 10 photos a class in each precision, asked about the 6 others of each class."""
    train_rows = np.concatenate([np.flatnonzero(clothing.y == c)[:10] for c in range(len(clothing.classes))])
    test_rows = np.setdiff1d(np.arange(len(clothing.y)), train_rows)
    photos = [clothing.paths[i] for i in test_rows]
    answers = {}
    for name, features, engine in (("float", clothing, extractor), ("int8", int8_clothing, int8_extractor)):
        model = train(features.features[train_rows], features.y[train_rows], features.classes, seed=0).model
        answers[name] = [a["label"] for a in Predictor(engine, model).predict(photos)]
    truth = [clothing.classes[i] for i in clothing.y[test_rows]]
    assert answers["int8"] == answers["float"]
    assert sum(a == t for a, t in zip(answers["int8"], truth, strict=True)) >= len(truth) - 1


STAND_INS = "tests.classifiers.ml.stand_in_quantizers"


@pytest.fixture
def fresh_cache(extractor, int8_extractor, tmp_path, monkeypatch):
    """A cache folder holding only the float export, whose quantizer (in the child process) copies the
    session's real int8 twin, so a test pays for the check, not for another quantization."""
    shutil.copy(extractor.model_path, tmp_path / extractor.model_path.name)
    shutil.copy(int8_extractor.model_path, tmp_path / stand_in_quantizers.READY_MADE)
    monkeypatch.setattr(quantize, "QUANTIZER", f"{STAND_INS}:copy_ready_made")
    monkeypatch.setattr(quantize, "_outcomes", {})
    return tmp_path


def test_a_twin_that_drifts_is_refused_and_the_float_model_answers_instead(fresh_cache, monkeypatch, caplog):
    monkeypatch.setattr(quantize, "QUANTIZER", f"{STAND_INS}:damaged")
    with caplog.at_level(logging.WARNING, logger="classifiers.ml.quantize"):
        engine = OnnxExtractor("efficientnet-lite0", precision="int8", cache_dir=fresh_cache)
    assert engine.precision == "float" and "-int8-" not in engine.model_path.name
    assert "drifts from the float one" in caplog.text and "using the float model instead" in caplog.text
    refusal = quantize.refusal_path(quantize.int8_path("efficientnet-lite0", fresh_cache))
    assert refusal.exists() and not quantize.int8_path("efficientnet-lite0", fresh_cache).exists()
    assert not quantize.passes(json.loads(refusal.read_text()))  # the numbers the child measured
    assert not list(fresh_cache.glob(".*.tmp"))

    # Another process finds the refusal and does not quantize again.
    monkeypatch.setattr(quantize, "_outcomes", {})
    monkeypatch.setattr(quantize, "run_in_child", lambda *a: pytest.fail("quantized again"))
    assert OnnxExtractor("efficientnet-lite0", precision="int8", cache_dir=fresh_cache).precision == "float"


def test_a_quantizer_that_crashes_leaves_the_float_model_answering_and_says_so(fresh_cache, monkeypatch, caplog):
    monkeypatch.setattr(quantize, "QUANTIZER", f"{STAND_INS}:crashing")
    with caplog.at_level(logging.ERROR, logger="classifiers.ml.quantize"):
        engine = OnnxExtractor("efficientnet-lite0", precision="int8", cache_dir=fresh_cache)
    assert engine.precision == "float"
    assert "could not build the int8 efficientnet-lite0 backbone" in caplog.text
    assert "the quantizer ran out of memory" in caplog.text  # the child's own words reach this log
    # Nothing was measured, so nothing is kept as a refusal: a later process tries again.
    assert list(fresh_cache.glob("efficientnet-lite0-int8-*")) == [] and not list(fresh_cache.glob(".*.tmp"))


def test_the_check_refuses_the_real_twin_when_its_bounds_are_out_of_reach(fresh_cache, monkeypatch, caplog):
    monkeypatch.setattr(quantize, "MEAN_COSINE_BOUND", 0.9999)
    with caplog.at_level(logging.WARNING, logger="classifiers.ml.quantize"):
        assert OnnxExtractor("efficientnet-lite0", precision="int8", cache_dir=fresh_cache).precision == "float"
    assert "needs 0.9999" in caplog.text


def test_the_real_twin_passes_the_check_in_a_new_folder_and_stale_twins_are_removed(fresh_cache):
    stale = fresh_cache / "efficientnet-lite0-int8-0000000000000000-000000000000.onnx"
    stale.write_bytes(b"an older twin")
    engine = OnnxExtractor("efficientnet-lite0", precision="int8", cache_dir=fresh_cache)
    assert engine.precision == "int8" and engine.model_path.exists()
    assert not stale.exists()
    assert (fresh_cache / OnnxExtractor("efficientnet-lite0", cache_dir=fresh_cache).model_path.name).exists()


def test_a_build_clears_what_a_build_stopped_halfway_left_behind(fresh_cache):
    # A worker stopped while it quantized: its temporary file stayed, a few megabytes each time.
    target = quantize.int8_path("efficientnet-lite0", fresh_cache)
    orphan = fresh_cache / f".{target.name}.k1lled.tmp"
    orphan.write_bytes(b"half a twin")
    assert OnnxExtractor("efficientnet-lite0", precision="int8", cache_dir=fresh_cache).precision == "int8"
    assert not orphan.exists() and not list(fresh_cache.glob(".*.tmp"))


ASK_WITH_THE_STAND_IN = """
import sys
from classifiers.ml import quantize
from classifiers.ml.extract import OnnxExtractor
quantize.QUANTIZER = "tests.classifiers.ml.stand_in_quantizers:copy_ready_made"
print(OnnxExtractor("efficientnet-lite0", precision="int8", cache_dir=sys.argv[1]).precision)
"""


def test_processes_that_ask_at_once_build_the_twin_once(fresh_cache):
    """A worker's processes all warm up the default engine as they start, in the same cache folder."""
    asking = [subprocess.Popen([sys.executable, "-c", ASK_WITH_THE_STAND_IN, str(fresh_cache)], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [process.communicate(timeout=120) for process in asking]
    assert [out.strip() for out, _ in outputs] == ["int8", "int8"], [err for _, err in outputs]
    assert len((fresh_cache / stand_in_quantizers.CALLS).read_text().splitlines()) == 1


def test_calibration_photos_ship_with_their_licence():
    photos = quantize.calibration_photos()
    assert len(photos) == 64
    notice = (quantize.CALIBRATION_DIR / "NOTICE").read_text()
    assert "CC0" in notice and "MIT" in notice
    assert {p.name.split("-")[0] for p in photos} == {"clothing", "trashnet"}


def test_a_refusal_under_stricter_bounds_than_todays_is_tried_again(fresh_cache):
    target = quantize.int8_path("efficientnet-lite0", fresh_cache)
    quantize.refusal_path(target).write_text('{"mean_cosine": 0.99, "min_cosine": 0.95}')
    engine = OnnxExtractor("efficientnet-lite0", precision="int8", cache_dir=fresh_cache)
    assert engine.precision == "int8" and target.exists()
    assert not quantize.refusal_path(target).exists()
