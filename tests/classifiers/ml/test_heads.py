"""Heads: exact in the training span, balanced across classes, the same for the same seed."""

from __future__ import annotations

import numpy as np

from classifiers.ml.heads import LOGISTIC, MLP, HeadConfig, balanced_weights, fit_heads
from classifiers.ml.training import represent


def test_a_seed_gives_the_same_heads_every_time(clothing):
    x = represent(clothing.features)
    tasks = [
        (HeadConfig(LOGISTIC, 10.0), np.ones(len(x), bool)),
        (HeadConfig(MLP, 10.0, hidden=64), np.ones(len(x), bool)),
    ]
    first = fit_heads(x, clothing.y, 3, tasks, seed=7)
    again = fit_heads(x, clothing.y, 3, tasks, seed=7)
    for a, b in zip(first, again, strict=True):
        for name, value in a.arrays().items():
            np.testing.assert_array_equal(value, b.arrays()[name])


def test_both_heads_learn_the_training_photos(clothing):
    x = represent(clothing.features)
    for config in (HeadConfig(LOGISTIC, 10.0), HeadConfig(MLP, 10.0, hidden=64)):
        head = fit_heads(x, clothing.y, 3, [(config, np.ones(len(x), bool))], seed=0)[0]
        assert np.mean(head.logits(x).argmax(axis=1) == clothing.y) == 1.0, config.key
        assert np.allclose(head.probabilities(x).sum(axis=1), 1.0, atol=1e-5)


def test_a_class_with_few_photos_weighs_as_much_as_a_class_with_many():
    y = np.array([0] * 30 + [1] * 5)
    weights = balanced_weights(y, np.ones((1, len(y)), bool), 2)[0]
    assert weights[y == 0].sum() == weights[y == 1].sum()


def test_fitting_in_the_span_of_the_photos_gives_the_full_space_solution(clothing):
    """The representer theorem shortcut changes nothing: same logits as fitting all 1280 dimensions."""
    x = represent(clothing.features)[:20]
    y = clothing.y[:20] % 2
    if len(set(y)) < 2:
        y[:10] = 0
        y[10:] = 1
    config = HeadConfig(LOGISTIC, 10.0)
    in_span = fit_heads(x, y, 2, [(config, np.ones(20, bool))])[0]
    padded = np.concatenate([x, np.zeros((1300, x.shape[1]), np.float32)])  # more rows than dims: no projection
    weights = np.concatenate([np.ones(20, bool), np.zeros(1300, bool)])
    full = fit_heads(padded, np.concatenate([y, np.zeros(1300, np.int64)]), 2, [(config, weights)])[0]
    assert np.abs(in_span.logits(x) - full.logits(x)).max() < 1e-2
