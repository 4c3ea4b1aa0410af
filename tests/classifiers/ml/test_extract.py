"""ONNX Runtime gives the PyTorch reference's features; the exported file is cached and rebuilt when the
weights change."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from classifiers.ml import onnx_cache
from classifiers.ml.child import ChildFailed, run_in_child
from classifiers.ml.extract import OnnxExtractor, TorchExtractor
from classifiers.ml.preprocess import VIEWS
from tests.worker import children_of, wait_until

DATA = Path(__file__).resolve().parents[2] / "data" / "engine"


def some_photos() -> list[Path]:
    return sorted((DATA / "clothing" / "hat").glob("*.jpg"))[:4] + [DATA / "imagenet" / "camera.png"]


def test_onnx_runtime_features_match_pytorch_to_within_1e_3(tmp_path):
    photos = some_photos()
    fast = OnnxExtractor("efficientnet-lite0", cache_dir=tmp_path).embed(photos, views=VIEWS)
    reference = TorchExtractor("efficientnet-lite0").embed(photos, views=VIEWS)
    assert not fast.errors and not reference.errors
    for a, b in zip(fast.features, reference.features, strict=True):
        assert a.shape == (len(VIEWS), 1280)
        assert np.abs(a - b).max() < 1e-3


def test_unreadable_photos_are_reported_and_the_rest_embedded(tmp_path):
    extractor = OnnxExtractor("efficientnet-lite0", cache_dir=tmp_path)
    result = extractor.embed([some_photos()[0], b"not a picture", lambda: some_photos()[1].read_bytes()])
    assert result.features[0] is not None and result.features[2] is not None
    assert result.features[1] is None
    assert "not a picture" in result.errors[1]


def test_the_onnx_file_is_exported_once_and_rebuilt_when_the_weights_package_changes(tmp_path, monkeypatch):
    first = onnx_cache.backbone_onnx_path("efficientnet-lite0", tmp_path)
    stamp = first.stat().st_mtime_ns
    assert onnx_cache.backbone_onnx_path("efficientnet-lite0", tmp_path) == first
    assert first.stat().st_mtime_ns == stamp  # reused, not exported again

    monkeypatch.setattr(onnx_cache, "weights_fingerprint", lambda name: "0123456789abcdef")
    second = onnx_cache.backbone_onnx_path("efficientnet-lite0", tmp_path)
    assert second != first and second.exists()
    assert not first.exists()  # the out-of-date export was removed
    assert not list(tmp_path.glob(".*.tmp"))  # nothing half-written left behind


def test_exporting_leaves_pytorch_out_of_the_process_that_asked(tmp_path):
    """The export runs in a child process: a web process that exports on first use stays at ONNX Runtime's
    size instead of keeping PyTorch's half a gigabyte for the rest of its life."""
    program = (
        "import sys; from classifiers.ml.extract import OnnxExtractor; "
        f"OnnxExtractor('efficientnet-lite0', cache_dir={str(tmp_path)!r}); "
        "print('torch' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", program], cwd=Path(__file__).resolve().parents[3],
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
    assert len(list(tmp_path.glob("efficientnet-lite0-*.onnx"))) == 1


def test_a_failed_export_says_so_in_the_log_of_the_process_that_asked(tmp_path):
    with pytest.raises(ChildFailed, match="export_backbone failed in a child process"):
        run_in_child("classifiers.ml.onnx_cache:export_backbone", "no-such-backbone", str(tmp_path / "x.onnx"))
    assert not list(tmp_path.iterdir())


ASK_A_CHILD_TO_WAIT = "from classifiers.ml.child import run_in_child; run_in_child('time:sleep', 60)"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has ended, only its exit status waits to be collected


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads the process tree from Linux's /proc")
def test_a_child_build_ends_when_the_process_that_asked_for_it_is_killed():
    # A worker stopped while it builds a twin at start: its child must not go on using the cores alone.
    parent = subprocess.Popen([sys.executable, "-c", ASK_A_CHILD_TO_WAIT], cwd=Path(__file__).resolve().parents[3])
    try:
        (child,) = wait_until(lambda: children_of(parent.pid), timeout=30, what="the build's child process")
        time.sleep(0.5)  # past the child's start, where it asks to end with its parent
        parent.kill()
        parent.wait(timeout=10)
        wait_until(lambda: not _alive(child), timeout=10, what="the child to end with its parent")
    finally:
        parent.kill()
