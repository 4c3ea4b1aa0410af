"""The outlier flag on real photos: trash photos slipped into clothing classes are flagged, the clothes
are not."""

from __future__ import annotations

import numpy as np
import pytest

from classifiers.ml.outliers import outlier_flags
from classifiers.ml.training import represent
from tests.classifiers.conftest import photos


@pytest.fixture(scope="module")
def contaminated(extractor):
    classes = ["shoes", "hat", "pants"]
    genuine = [photos("clothing", name)[:12] for name in classes]
    # Mixed the way a search brings them: each class gets one glass, one cardboard and one metal photo.
    trash = [photos("trashnet", name)[:3] for name in ("glass", "cardboard", "metal")]
    intruders = [[trash[kind][i] for kind in range(3)] for i in range(3)]
    paths, y, is_intruder = [], [], []
    for label, (own, foreign) in enumerate(zip(genuine, intruders, strict=True)):
        paths += own + foreign
        y += [label] * (len(own) + len(foreign))
        is_intruder += [False] * len(own) + [True] * len(foreign)
    features = np.stack(extractor.embed(paths).features)
    return represent(features), np.array(y), np.array(is_intruder), classes


def test_intruders_from_another_set_are_flagged_and_few_genuine_photos_are(contaminated):
    x, y, is_intruder, classes = contaminated
    flags = outlier_flags(x, y, classes)
    flagged = np.array([row in flags for row in range(len(y))])
    assert (flagged & is_intruder).sum() / is_intruder.sum() >= 0.7
    assert (flagged & ~is_intruder).sum() / (~is_intruder).sum() <= 0.1
    reason = flags[int(np.flatnonzero(flagged & is_intruder)[0])]
    assert reason.startswith("looks unlike the other photos of '")


def test_a_class_too_small_to_judge_is_not_flagged():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 8))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    assert outlier_flags(x, np.array([0, 0, 0, 1, 1]), ["a", "b"]) == {}
