"""Confident learning on made-up out-of-fold probabilities: per-class thresholds, the confident joint, how
many photos of each class are wrong, which ones, and the second round without the first's suspects."""

from __future__ import annotations

import numpy as np
import pytest

from classifiers.ml.label_issues import (
    class_thresholds,
    confident_joint,
    issue_counts,
    label_issues,
    least_confident,
)

# Three classes; rows 0-3 filed under 0, 4-7 under 1, 8-11 under 2. Row 3 is plainly a photo of class 1,
# row 11 leans towards class 0 but not past class 0's own bar.
P = np.array([
    [0.90, 0.05, 0.05],
    [0.80, 0.10, 0.10],
    [0.70, 0.20, 0.10],
    [0.10, 0.85, 0.05],
    [0.05, 0.90, 0.05],
    [0.10, 0.80, 0.10],
    [0.20, 0.70, 0.10],
    [0.10, 0.75, 0.15],
    [0.05, 0.05, 0.90],
    [0.10, 0.10, 0.80],
    [0.15, 0.15, 0.70],
    [0.40, 0.05, 0.55],
])
Y = np.repeat(np.arange(3), 4)


def test_each_class_gets_the_mean_probability_of_its_own_photos_as_its_bar():
    expected = [(0.9 + 0.8 + 0.7 + 0.1) / 4, 0.7875, (0.9 + 0.8 + 0.7 + 0.55) / 4]
    np.testing.assert_allclose(class_thresholds(P, Y), expected)


def test_a_class_without_photos_gets_a_bar_no_photo_reaches():
    assert class_thresholds(P[:8], Y[:8])[2] == 1.0


def test_the_confident_joint_counts_the_photo_that_clears_another_class_bar():
    joint = confident_joint(P, Y)
    # Row 3 clears class 1's bar (0.85 >= 0.7875) and not its own (0.1 < 0.625): counted as filed 0, looks 1.
    assert joint[0, 1] > 0
    # Row 11's 0.40 stays under class 0's bar of 0.625: its class-2 filing stands.
    assert joint[2, 0] == 0
    np.testing.assert_allclose(joint.sum(axis=1), [4, 4, 4])  # calibrated to the photos filed under each


def test_it_estimates_one_wrong_photo_in_class_0_and_none_elsewhere():
    assert issue_counts(P, Y).tolist() == [1, 0, 0]


def test_it_picks_the_photos_least_sure_of_their_own_class():
    chosen = least_confident(P, Y, np.array([1, 0, 2]))
    assert np.flatnonzero(chosen).tolist() == [3, 10, 11]


def test_it_flags_the_wrong_photo_with_the_class_it_looks_like():
    issues, judged = label_issues(P, Y)
    assert [(issue.row, issue.looks_like) for issue in issues] == [(3, 1)]
    assert issues[0].looks_like_probability == pytest.approx(0.85)
    assert issues[0].own_probability == pytest.approx(0.10)
    assert issues[0].clearly_other  # more likely class 1 than every other class together
    assert judged is P


def test_the_second_round_judges_on_heads_trained_without_the_first_rounds_suspects():
    seen = []

    def refit(left_out: np.ndarray) -> np.ndarray:
        seen.append(left_out.copy())
        sharper = P.copy()
        sharper[11] = [0.80, 0.05, 0.15]  # without row 3 pulling class 0 about, row 11 shows its class
        return sharper

    issues, judged = label_issues(P, Y, refit)
    assert np.flatnonzero(seen[0]).tolist() == [3]
    assert {(issue.row, issue.looks_like) for issue in issues} == {(3, 1), (11, 0)}
    assert judged[11, 0] == pytest.approx(0.80)


def test_a_photo_that_only_leans_towards_another_class_is_not_clearly_it():
    probabilities = np.array([[0.3, 0.45, 0.25], [0.9, 0.05, 0.05], [0.8, 0.1, 0.1],
                              [0.1, 0.5, 0.4], [0.2, 0.4, 0.4], [0.1, 0.1, 0.8], [0.0, 0.1, 0.9]])
    y = np.array([0, 0, 0, 1, 1, 2, 2])
    issues, _ = label_issues(probabilities, y)
    assert [issue.row for issue in issues] == [0]
    # 45 % clears class 1's bar (its own photos average 45 %), but is not likelier than all others together.
    assert not issues[0].clearly_other


def test_clean_labels_raise_nothing():
    probabilities = np.eye(3)[Y] * 0.8 + 0.2 / 3
    assert label_issues(probabilities, Y)[0] == []
