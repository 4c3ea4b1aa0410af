"""The int8 twin of a backbone's ONNX export, built once from the float one with ONNX Runtime's own static
quantization and checked before it is used.

Static quantization needs photos to learn the range of every activation: the 64 in `calibration/` (see its
NOTICE), both of the views the app embeds. The recipe is ONNX Runtime's recommended one for x86 CPUs: the
graph pre-processed first (quant_pre_process: shape inference and folding, so each padding joins its
convolution), then QDQ format, int8 weights per output channel, uint8 activations, min/max ranges. ONNX
Runtime fuses the QDQ pairs into integer convolutions, which is where the speed comes from. Measured on the
2-core machine (Lite0, same process): without the pre-processing 17 paddings stay outside the convolutions
in float and the int8 model ran at half the float speed; int8 activations (S8S8) instead of uint8 were as
slow as float, with the same features.

The twin is checked as it is built: its features of the calibration photos against the float model's. If
they drift (a mean cosine below MEAN_COSINE_BOUND or any photo below MIN_COSINE_BOUND) the twin is refused,
the refusal is kept beside the float file with its numbers (so no process builds it again), and callers use
the float model, which the log says.

Quantizing and checking run in a child process (child.py), as the float export does: the quantizer loads
onnx and onnxruntime.quantization and holds the calibration inputs and three sessions, memory a web process
or worker would otherwise keep for the rest of its life. The process that asks keeps only the decision:
it reads the child's numbers, and puts the twin in place or writes its refusal.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import numpy as np

from classifiers.ml.backbones import backbone_spec, weights_fingerprint
from classifiers.ml.child import ChildFailed, run_in_child
from classifiers.ml.onnx_cache import backbone_onnx_path, remove_stale
from classifiers.ml.preprocess import VIEWS, load_views

log = logging.getLogger(__name__)

CALIBRATION_DIR = Path(__file__).resolve().parent / "calibration"
# Part of the file name: a change to the recipe below gives a new file, as new weights do.
RECIPE = "pre-processed/qdq/uint8-activations/int8-per-channel-weights/minmax/1"
# Measured on the calibration photos (`benchmark --all --json` prints them as int8_check): mean / worst
# cosine Lite0 0.987 / 0.945, Lite1 0.978 / 0.902, Lite2 0.990 / 0.949; at those, few-shot accuracy stayed
# within about a point of float on the shared clothing and trashnet sets (`evaluate --all`, README). A twin
# that went wrong falls far below (tests/classifiers/ml/test_quantize.py's damaged one), so the bounds sit
# under the measured figures with some room, not at them.
MEAN_COSINE_BOUND = 0.97
MIN_COSINE_BOUND = 0.85
CALIBRATION_BATCH = 16
# The function that quantizes, by name: the child process imports it (a test names a small stand-in there,
# since a monkeypatch in the test's own process would not reach the child).
QUANTIZER = "classifiers.ml.quantize:quantize"

_lock = threading.Lock()
_outcomes: dict[Path, Path | None] = {}


class CheckFailed(Exception):
    def __init__(self, check: dict) -> None:
        super().__init__(
            f"mean cosine {check['mean_cosine']:.4f} (needs {MEAN_COSINE_BOUND}), "
            f"worst {check['min_cosine']:.4f} (needs {MIN_COSINE_BOUND})"
        )
        self.check = check


def calibration_photos() -> list[Path]:
    return sorted(CALIBRATION_DIR.glob("*.jpg"))


@cache
def calibration_fingerprint() -> str:
    """Changes with the photos, the recipe and ONNX Runtime (whose quantizer makes the file)."""
    import onnxruntime

    digest = hashlib.sha256(f"{RECIPE}|{onnxruntime.__version__}".encode())
    for path in calibration_photos():
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def calibration_inputs(name: str) -> np.ndarray:
    """float32 [2 × photos, 3, S, S]: every calibration photo in the views the app embeds."""
    prep = backbone_spec(name).preprocessing
    return np.concatenate([load_views(path, prep, VIEWS) for path in calibration_photos()])


def int8_path(name: str, cache_dir: str | Path) -> Path:
    return Path(cache_dir) / f"{name}-int8-{weights_fingerprint(name)}-{calibration_fingerprint()}.onnx"


def refusal_path(path: Path) -> Path:
    return path.with_suffix(".refused.json")


def quantize(float_path: Path, output: Path, inputs: np.ndarray) -> None:
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.batches = iter(range(0, len(inputs), CALIBRATION_BATCH))

        def get_next(self) -> dict | None:
            start = next(self.batches, None)
            return None if start is None else {"images": inputs[start : start + CALIBRATION_BATCH]}

    with tempfile.TemporaryDirectory(prefix="nanoweb-quantize-") as tmp:
        prepared = Path(tmp) / "prepared.onnx"
        quant_pre_process(str(float_path), str(prepared))
        quantize_static(
            str(prepared),
            str(output),
            Reader(),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            calibrate_method=CalibrationMethod.MinMax,
        )


def features(model_path: Path, inputs: np.ndarray, *, threads: int = 2) -> np.ndarray:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
    starts = range(0, len(inputs), CALIBRATION_BATCH)
    return np.concatenate([session.run(None, {"images": inputs[s : s + CALIBRATION_BATCH]})[0] for s in starts])


def compare(reference: np.ndarray, candidate: np.ndarray) -> dict:
    """Cosine similarity of each row of `candidate` to the same row of `reference`."""
    cosines = np.sum(reference * candidate, axis=1) / (
        np.linalg.norm(reference, axis=1) * np.linalg.norm(candidate, axis=1)
    ).clip(1e-12)
    return {
        "mean_cosine": round(float(cosines.mean()), 4),
        "min_cosine": round(float(cosines.min()), 4),
        "photos": len(calibration_photos()),
        "views": len(VIEWS),
    }


def passes(check: dict) -> bool:
    return check["mean_cosine"] >= MEAN_COSINE_BOUND and check["min_cosine"] >= MIN_COSINE_BOUND


def quantize_and_compare(name: str, float_path: str, output: str, quantizer: str = QUANTIZER) -> dict:
    """In the child process: quantize `float_path` to `output` with the function named `quantizer`, and
    return the cosines of the two models' features on the calibration photos."""
    module, function = quantizer.split(":")
    quantize_with = getattr(importlib.import_module(module), function)
    inputs = calibration_inputs(name)
    quantize_with(Path(float_path), Path(output), inputs)
    return compare(features(Path(float_path), inputs), features(Path(output), inputs))


def build(name: str, cache_dir: str | Path) -> dict:
    """Quantize and check in a child process, then put the twin in place (or its refusal); returns the
    check's numbers. Written to a temporary name first, so a process that dies halfway leaves no twin that
    was never checked. Raises ChildFailed when the child could not quantize."""
    cache_dir = Path(cache_dir)
    float_path = backbone_onnx_path(name, cache_dir)  # exported first, in its own child, when missing
    target = int8_path(name, cache_dir)
    started = time.perf_counter()
    # Left by a build whose process was stopped halfway (a worker stopped while it started): this process holds
    # the build lock, so no living build of ours is writing one.
    for orphan in cache_dir.glob(f".{target.name}.*.tmp"):
        orphan.unlink(missing_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        check = run_in_child("classifiers.ml.quantize:quantize_and_compare", name, str(float_path), tmp, QUANTIZER)
        check["seconds"] = round(time.perf_counter() - started, 1)
        if passes(check):
            os.replace(tmp, target)
        else:
            refusal_path(target).write_text(json.dumps(check))
    finally:
        Path(tmp).unlink(missing_ok=True)
    remove_stale(cache_dir, f"{name}-int8-", keep={target, refusal_path(target)})
    return check


def int8_onnx_path(name: str, cache_dir: str | Path) -> Path | None:
    """The checked int8 twin of `name`, built now if missing; None when it was refused (the log says why and
    that the float model is used instead)."""
    target = int8_path(name, cache_dir)
    with _lock:
        if target in _outcomes:
            return _outcomes[target]
        with _building(Path(cache_dir), name):
            return _outcome(name, cache_dir, target)


@contextmanager
def _building(cache_dir: Path, name: str) -> Iterator[None]:
    """One process at a time builds a twin in a cache folder: a worker's processes all warm up the default
    engine as they start, and each quantizing takes both cores for half a minute or more. The others wait,
    then find the twin (or its refusal) in place."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    with open(cache_dir / f".{name}-int8.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _outcome(name: str, cache_dir: str | Path, target: Path) -> Path | None:
    """Under both locks: the twin, built if missing, or None when it was refused or could not be built."""
    refusal = refusal_path(target)
    if refusal.exists() and passes(json.loads(refusal.read_text())):
        refusal.unlink(missing_ok=True)  # refused under stricter bounds than today's: try again
    if not target.exists() and not refusal.exists():
        try:
            check = build(name, cache_dir)
        except ChildFailed as exc:
            # Not kept as a refusal: nothing was measured, and a later process may succeed. This one
            # answers with the float model rather than trying again on every request.
            log.error("could not build the int8 %s backbone (%s): using the float model instead", name, exc)
            _outcomes[target] = None
            return None
        log.info("built the int8 %s backbone in %.1f s: %s", name, check["seconds"], check)
    if target.exists():
        _outcomes[target] = target
    else:
        check = json.loads(refusal.read_text())
        log.warning(
            "the int8 %s backbone drifts from the float one on the calibration photos (%s): using the float "
            "model instead",
            name,
            CheckFailed(check),
        )
        _outcomes[target] = None
    return _outcomes[target]
