"""The protocol behind `manage.py label_next_benchmark`: does labelling the queue's first photos teach the model
more than labelling as many photos picked at random?

Per seed and class: `start` photos train the version in use (and `start - 1` of them the version before it,
so the two can disagree), `pool` photos stand for the answers the app logged, the rest (at most `max_test`)
are held out. The queue ranks the pool by the app's own code (label_next.doubts, most_useful_first) from
both versions' answers; its first `add` photos, with their true classes, join the training photos and a
new version is trained (the head chosen and fitted as training.train does); the same is done with `add`
pool photos drawn at random. Both are measured on the held-out photos, as is the version before adding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from classifiers.ml.label_next import doubts, most_useful_first
from classifiers.ml.predictor import answers_from_features
from classifiers.ml.training import TrainedModel, choose_head, fit_final_head, represent, training_set


@dataclass(frozen=True)
class Split:
    start: np.ndarray  # rows training the version in use
    previous: np.ndarray  # rows training the version before it (a subset of start)
    pool: np.ndarray  # rows whose answers are "logged"
    test: np.ndarray  # held-out rows


def split(y: np.ndarray, *, start: int, pool: int, max_test: int, seed: int) -> Split:
    rng = np.random.default_rng(seed)
    parts: dict[str, list] = {"start": [], "previous": [], "pool": [], "test": []}
    for label in np.unique(y):
        rows = rng.permutation(np.flatnonzero(y == label))
        parts["start"].extend(rows[:start])
        parts["previous"].extend(rows[: max(start - 1, 2)])
        parts["pool"].extend(rows[start: start + pool])
        parts["test"].extend(rows[start + pool: start + pool + max_test])
    return Split(**{name: np.array(rows, dtype=np.int64) for name, rows in parts.items()})


def fit(features: np.ndarray, y: np.ndarray, classes: Sequence[str], seed: int) -> TrainedModel:
    data = training_set(features, y, classes)
    return fit_final_head(data, choose_head(data, seed=seed).config, seed=seed)


def accuracy(model: TrainedModel, classes: Sequence[str], features: np.ndarray, y: np.ndarray) -> float:
    answers = answers_from_features(model, features)
    predicted = np.array([list(classes).index(a["label"]) for a in answers])
    return float(np.mean(predicted == y))


def queue_order(current: TrainedModel, previous: TrainedModel | None, pool_features: np.ndarray,
                count: int) -> list[int]:
    """Positions in the pool of the queue's first `count` photos, as the app ranks logged answers."""
    x = represent(pool_features)
    probabilities, unknown_scores = current.predict(x)
    previous_probabilities = previous.predict(x)[0] if previous is not None else None
    scored = doubts(probabilities, unknown_scores > current.unknown.threshold, previous_probabilities)
    return most_useful_first(np.array([d.score for d in scored]), x, count)


def compare(features: np.ndarray, y: np.ndarray, classes: Sequence[str], *, start: int = 3, pool: int = 30,
            add: int = 20, max_test: int = 40, seeds: int = 5) -> dict:
    """Mean held-out accuracy over seeds: before adding, after adding the queue's first `add` pool photos, and
    after adding `add` random pool photos; with each seed's figures."""
    runs = []
    for seed in range(seeds):
        rows = split(y, start=start, pool=pool, max_test=max_test, seed=seed)
        current = fit(features[rows.start], y[rows.start], classes, seed)
        previous = fit(features[rows.previous], y[rows.previous], classes, seed)
        queued = rows.pool[queue_order(current, previous, features[rows.pool], add)]
        drawn = np.random.default_rng(1000 + seed).choice(rows.pool, size=min(add, len(rows.pool)), replace=False)
        test_x, test_y = features[rows.test], y[rows.test]
        figures = {"before": accuracy(current, classes, test_x, test_y)}
        for name, added in (("queue", queued), ("random", drawn)):
            train_rows = np.concatenate([rows.start, added])
            model = fit(features[train_rows], y[train_rows], classes, seed)
            figures[name] = accuracy(model, classes, test_x, test_y)
        runs.append(figures)
    mean = {name: round(float(np.mean([run[name] for run in runs])), 4) for name in ("before", "queue", "random")}
    return {
        **{f"accuracy_{name}": value for name, value in mean.items()},
        "queue_beats_random_seeds": sum(run["queue"] > run["random"] for run in runs),
        "seeds": seeds,
        "start_per_class": start,
        "pool_per_class": pool,
        "added": add,
        "test_photos": int(len(split(y, start=start, pool=pool, max_test=max_test, seed=0).test)),
        "per_seed": [{name: round(value, 4) for name, value in run.items()} for run in runs],
    }
