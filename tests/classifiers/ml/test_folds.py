"""Cross-validation folds that keep the copies of one picture together: a copy tested by a head trained on
its original would be recognised, and the accuracy a person reads would be flattered."""

from __future__ import annotations

import numpy as np

from classifiers.ml.evaluation import stratified_folds
from classifiers.ml.training import train


def test_rows_of_one_group_share_a_fold_and_every_class_is_spread_over_the_folds():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], 20)
    groups = np.arange(60)
    groups[[1, 2, 3]] = 0  # one picture and three copies
    groups[[21, 40]] = 20  # the same picture filed in two classes
    folds = stratified_folds(y, 5, seed=int(rng.integers(100)), groups=groups)
    for group in np.unique(groups):
        assert len(set(folds[groups == group])) == 1
    for label in range(3):
        per_fold = np.bincount(folds[y == label], minlength=5)
        assert per_fold.min() >= 2 and per_fold.max() - per_fold.min() <= 4


def test_without_copies_the_folds_are_what_they_always_were():
    y = np.repeat([0, 1, 2], 7)
    assert (stratified_folds(y, 5, seed=3, groups=np.arange(21)) == stratified_folds(y, 5, seed=3)).all()


def test_copies_no_longer_flatter_the_accuracy_training_reports(clothing):
    """Labels drawn at random for each picture, four near-identical copies of each: nothing can be learnt,
    yet with copies spread over the folds each is recognised from its twin."""
    rng = np.random.default_rng(1)
    pictures = len(clothing.y)
    labels = rng.integers(0, 3, size=pictures)
    features = np.repeat(clothing.features, 4, axis=0)
    features = features + rng.normal(0, 0.01, size=features.shape).astype(np.float32) * np.abs(features).mean()
    y = np.repeat(labels, 4)
    groups = np.repeat(np.arange(pictures), 4)

    flattered = train(features, y, ["a", "b", "c"], seed=0).metrics["accuracy"]
    honest = train(features, y, ["a", "b", "c"], seed=0, groups=groups).metrics["accuracy"]
    assert flattered > 0.9
    assert honest < 0.6
