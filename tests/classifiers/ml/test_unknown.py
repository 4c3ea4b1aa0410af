"""The "none of these" threshold: set from the training photos' own scores so that a new photo of a known
class is flagged with the chosen chance, however few photos there are."""

from __future__ import annotations

import numpy as np
import pytest

from classifiers.ml.unknown import in_class_threshold


def test_a_new_ordinary_photo_is_flagged_at_the_chosen_rate():
    # Ordinary photos' scores are exchangeable: draw n + 1, set the threshold from n, score the last one.
    rng = np.random.default_rng(0)
    draws = rng.random((20_000, 21))
    flagged = [draw[-1] > in_class_threshold(draw[:-1], 0.05) for draw in draws]
    # 5 % within sampling error (0.15 points); numpy's default interpolation would flag 9.3 % here.
    assert np.mean(flagged) == pytest.approx(0.05, abs=0.006)


def test_the_threshold_sits_where_the_chosen_share_of_scores_falls_above_it():
    scores = np.arange(1, 20) / 20  # 19 scores: a 20th lands in each of the 20 gaps with equal chance
    shuffled = np.random.default_rng(1).permutation(scores)
    assert in_class_threshold(shuffled, 0.05) == pytest.approx(0.95)


def test_with_too_few_photos_for_the_rate_the_threshold_is_the_highest_score():
    assert in_class_threshold(np.array([0.1, 0.3, 0.2]), 0.05) == 0.3
