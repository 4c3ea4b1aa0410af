"""Features of the real test photos, embedded once per test session."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from classifiers.ml.extract import onnx_extractor
from classifiers.ml.study import image_folder

DATA = Path(__file__).resolve().parents[2] / "data" / "engine"


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


@pytest.fixture(scope="session")
def int8_extractor(extractor):
    """The int8 twin of the same backbone, quantized once per session in the same cache folder (about half a
    minute on 2 cores)."""
    int8 = onnx_extractor("efficientnet-lite0", precision="int8", cache_dir=extractor.model_path.parent)
    assert int8.precision == "int8", "the int8 twin failed its check; see the log"
    return int8
