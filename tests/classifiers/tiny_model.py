"""A real model artifact in milliseconds: a head trained on random features, saved by the engine as training
saves one. For tests that need a version whose files load (or exist on disk), not good answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from classifiers.ml import artifacts
from classifiers.ml.training import train


def tiny_model_save(folder: Path, *, labels: tuple[str, str] = ("hat", "shoes")) -> Path:
    rng = np.random.default_rng(0)
    features = rng.normal(size=(8, 16)).astype(np.float32)
    y = np.array([0, 1] * 4)
    result = train(features, y, list(labels), seed=0)
    return artifacts.save(result.model, folder, backbone="efficientnet-lite0", metrics=dict(result.metrics))
