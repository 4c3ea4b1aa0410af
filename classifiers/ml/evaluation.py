"""Figures from held-out predictions (never from the photos a head was trained on)."""

from __future__ import annotations

import numpy as np


def stratified_folds(y: np.ndarray, n_folds: int, seed: int, groups: np.ndarray | None = None) -> np.ndarray:
    """fold number for each row; every class spread evenly over the folds, shuffled with the seed. Rows
    sharing a number in `groups` (copies of one picture) land in one fold."""
    if groups is not None and len(np.unique(groups)) < len(y):
        return _grouped_folds(y, n_folds, seed, groups)
    rng = np.random.default_rng(seed)
    folds = np.empty(len(y), dtype=np.int64)
    offset = 0
    for label in np.unique(y):
        rows = rng.permutation(np.flatnonzero(y == label))
        # Continue the round-robin where the previous class stopped, so small classes do not all land
        # in fold 0 and fold sizes stay even.
        folds[rows] = (np.arange(len(rows)) + offset) % n_folds
        offset += len(rows)
    return folds


def _grouped_folds(y: np.ndarray, n_folds: int, seed: int, groups: np.ndarray) -> np.ndarray:
    """Whole groups go to folds, biggest first, each to the fold holding the fewest rows of its class (then
    the fewest rows): classes stay spread as evenly as whole groups allow."""
    rng = np.random.default_rng(seed)
    names, members = np.unique(groups, return_inverse=True)
    order = rng.permutation(len(names))
    sizes = np.bincount(members)
    order = order[np.argsort(-sizes[order], kind="stable")]
    n_classes = int(y.max()) + 1
    per_class = np.zeros((n_classes, n_folds), dtype=np.int64)
    per_fold = np.zeros(n_folds, dtype=np.int64)
    folds = np.empty(len(y), dtype=np.int64)
    for group in order:
        rows = np.flatnonzero(members == group)
        label = int(np.bincount(y[rows]).argmax())  # a picture filed in two classes goes by the more usual
        fold = min(range(n_folds), key=lambda f: (per_class[label, f], per_fold[f]))
        folds[rows] = fold
        np.add.at(per_class, (y[rows], fold), 1)
        per_fold[fold] += len(rows)
    return folds


def subsample_mask(y: np.ndarray, rows: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """A stratified `fraction` of `rows` (at least one per class) as a boolean mask over all rows."""
    rng = np.random.default_rng(seed)
    mask = np.zeros(len(y), dtype=bool)
    for label in np.unique(y[rows]):
        members = rng.permutation(rows[y[rows] == label])
        mask[members[: max(1, round(len(members) * fraction))]] = True
    return mask


def per_label(y: np.ndarray, predicted: np.ndarray, labels: list[str]) -> dict[str, dict]:
    out = {}
    for index, name in enumerate(labels):
        true_positive = int(np.sum((predicted == index) & (y == index)))
        predicted_count = int(np.sum(predicted == index))
        support = int(np.sum(y == index))
        out[name] = {
            "precision": round(true_positive / predicted_count, 4) if predicted_count else 0.0,
            "recall": round(true_positive / support, 4) if support else 0.0,
            "support": support,
        }
    return out


def confusion(y: np.ndarray, predicted: np.ndarray, labels: list[str]) -> dict:
    """matrix[true][predicted], rows and columns in `labels` order."""
    matrix = np.zeros((len(labels), len(labels)), dtype=np.int64)
    np.add.at(matrix, (y, predicted), 1)
    return {"labels": list(labels), "matrix": matrix.tolist()}


def recommendation(points: list[dict], per_label_figures: dict[str, dict]) -> str:
    """A plain-words reading of the learning curve."""
    by_fraction = {p["fraction"]: p["accuracy"] for p in points}
    full, half = by_fraction.get(1.0), by_fraction.get(0.5)
    weakest = sorted(per_label_figures.items(), key=lambda item: item[1]["recall"])
    weak_names = [name for name, figures in weakest[:2] if figures["recall"] < 0.9]
    if full is None or half is None:
        return "Too few photos to draw a learning curve; add more photos to every class."
    gain = full - half
    if gain >= 0.03 or full < 0.6:
        target = f" of {' and '.join(repr(n) for n in weak_names)}" if weak_names else ""
        return (
            f"Accuracy rose from {half:.0%} to {full:.0%} when going from half to all of the photos: "
            f"more photos{target} would likely help."
        )
    if weak_names:
        return (
            f"Accuracy barely changed between half ({half:.0%}) and all ({full:.0%}) of the photos, so more "
            f"photos are unlikely to help much overall; the weakest class is {weak_names[0]!r} — check its "
            "photos for mistakes or add clearer, more varied ones."
        )
    return (
        f"Accuracy barely changed between half ({half:.0%}) and all ({full:.0%}) of the photos: "
        "more data is unlikely to help much."
    )
