"""Features of the real test photos, embedded once per test session."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from classifiers.ml.extract import onnx_extractor
from classifiers.ml.study import image_folder

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "tests" / "data" / "engine"


@dataclass
class PhotoSet:
    paths: list[Path]
    features: np.ndarray  # [n, views, dim]
    y: np.ndarray
    classes: list[str]


@pytest.fixture(scope="session")
def extractor(tmp_path_factory):
    return onnx_extractor("efficientnet-lite0", cache_dir=tmp_path_factory.mktemp("feature-cache"))


def embed_folder(extractor, folder: Path) -> PhotoSet:
    paths, y, classes = image_folder(folder)
    embedded = extractor.embed(paths)
    assert not embedded.errors
    return PhotoSet(paths, np.stack(embedded.features), y, classes)


@pytest.fixture(scope="session")
def clothing(extractor) -> PhotoSet:
    """hat, pants, shoes: 16 real photos each."""
    return embed_folder(extractor, DATA / "clothing")


@pytest.fixture(scope="session")
def unrelated(extractor) -> PhotoSet:
    """Glass, cardboard and metal rubbish, and the scikit-image sample photos: none of them clothing."""
    trash = embed_folder(extractor, DATA / "trashnet")
    others = sorted((DATA / "imagenet").iterdir())
    extra = extractor.embed(others)
    features = np.concatenate([trash.features, np.stack(extra.features)])
    return PhotoSet(trash.paths + others, features, np.zeros(len(features), dtype=np.int64), ["unrelated"])


# Asks for the int8 twin as a web process does on first use, then says what it ended up holding.
ASK_FOR_THE_INT8_TWIN = """
import json, sys
from classifiers.ml.extract import OnnxExtractor
engine = OnnxExtractor("efficientnet-lite0", precision="int8", cache_dir=sys.argv[1])
heavy = ("torch", "onnx", "onnxruntime.quantization")
print(json.dumps({"precision": engine.precision, "loaded": [name for name in heavy if name in sys.modules]}))
"""


@pytest.fixture(scope="session")
def int8_built_by_a_fresh_process(extractor) -> dict:
    """The session's int8 twin, quantized and checked (about half a minute on 2 cores) for a fresh Python that
    asked for it; what that process reported."""
    cache = extractor.model_path.parent
    assert not list(cache.glob("*-int8-*")), "the twin must be built by the process below"
    done = subprocess.run([sys.executable, "-c", ASK_FOR_THE_INT8_TWIN, str(cache)], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def int8_extractor(extractor, int8_built_by_a_fresh_process):
    """The int8 twin of the same backbone, in the same cache folder."""
    int8 = onnx_extractor("efficientnet-lite0", precision="int8", cache_dir=extractor.model_path.parent)
    assert int8.precision == "int8", "the int8 twin failed its check; see the log"
    return int8
