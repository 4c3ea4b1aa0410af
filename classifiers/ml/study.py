"""The few-shot protocol behind `manage.py evaluate`: k random photos a class train, the rest (at most
`max_test` a class) test, averaged over seeds, through exactly the app's training code (the head chosen and
fitted as training.train does) and the Predictor's answers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from classifiers.ml.heads import LOGISTIC, HeadConfig
from classifiers.ml.predictor import answers_from_features
from classifiers.ml.preprocess import CENTRE, VIEWS
from classifiers.ml.training import (
    CANDIDATES,
    choose_head,
    fit_final_head,
    probabilities_with_unknown,
    represent,
    training_set,
)
from scraper.formats import PICTURE_SUFFIXES

# DESIGN.md's reference recipe, for comparison on the very same splits: the centre crop alone (picked out
# of the embedded views) and a logistic regression with C=10 on L2-normalised features.
REFERENCE_HEADS = (HeadConfig(LOGISTIC, 10.0),)
REFERENCE_VIEW = VIEWS.index(CENTRE)


def image_files(folder: str | Path) -> list[Path]:
    """Every photo below `folder`, sub-folders included, sorted; hidden files and folders (.DS_Store,
    .git) are ignored."""
    folder = Path(folder)
    return sorted(
        path
        for path in folder.rglob("*")
        if path.is_file()
        and path.suffix.lower() in PICTURE_SUFFIXES
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )


def image_folder(folder: str | Path) -> tuple[list[Path], np.ndarray, list[str]]:
    """<folder>/<class>/<images> → (paths, class index per path, class names sorted).

    Photos in sub-folders of a class folder count for that class (sets are often kept as
    class/source/photo).
    """
    folder = Path(folder)
    classes = sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    paths, labels = [], []
    for index, name in enumerate(classes):
        found = image_files(folder / name)
        paths.extend(found)
        labels.extend([index] * len(found))
    return paths, np.array(labels, dtype=np.int64), classes


def embed_readable(extractor, paths: Sequence[Path], views: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(features of the photos that could be read, their positions in `paths`): a damaged file in a big
    folder is left out, not a reason to give up on the rest. Raises ValueError when none could be read."""
    embedded = extractor.embed(list(paths), views=views)
    readable = np.array([i for i, f in enumerate(embedded.features) if f is not None], dtype=np.int64)
    if not len(readable):
        raise ValueError(f"none of the {len(paths)} photos could be read")
    return np.stack([embedded.features[i] for i in readable]), readable


def split(y: np.ndarray, k: int, seed: int, max_test: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    train_rows, test_rows = [], []
    for label in np.unique(y):
        rows = rng.permutation(np.flatnonzero(y == label))
        train_rows.extend(rows[:k])
        test_rows.extend(rows[k : k + max_test])
    return np.array(train_rows), np.array(test_rows)


def evaluate(
    features: np.ndarray,
    y: np.ndarray,
    classes: Sequence[str],
    *,
    ks: Sequence[int],
    seeds: int,
    max_test: int = 40,
    unrelated: np.ndarray | None = None,
    on_result: Callable[[dict], None] | None = None,
    reference: bool = False,
) -> list[dict]:
    """One result per k: mean accuracy over seeds, plus how often in-class test photos (and the unrelated
    photos, when given) were refused ("none of these") and flagged (refused, or named but said to look
    unlike the classifier's photos)."""
    candidates = CANDIDATES
    if reference:
        features, candidates = features[:, [REFERENCE_VIEW]], REFERENCE_HEADS
        unrelated = unrelated[:, [REFERENCE_VIEW]] if unrelated is not None else None
    results = []
    unrelated_x = represent(unrelated) if unrelated is not None and len(unrelated) else None
    for k in ks:
        if np.bincount(y).min() <= k:
            raise ValueError(
                f"k={k} leaves no test photo for some class (the smallest class has {np.bincount(y).min()})"
            )
        accuracies, heads, tested = [], [], 0
        rates: dict[str, list[float]] = {}
        for seed in range(seeds):
            train_rows, test_rows = split(y, k, seed, max_test)
            # Only the model and its head are needed: the training photos' own figures (measure_head) are not.
            data = training_set(features[train_rows], y[train_rows], classes)
            choice = choose_head(data, candidates=candidates, seed=seed)
            model = fit_final_head(data, choice.config, seed=seed)
            answers = answers_from_features(model, features[test_rows])
            predicted = np.array([classes.index(a["label"]) for a in answers])
            accuracies.append(float(np.mean(predicted == y[test_rows])))
            groups = {"in_class": answers}
            if unrelated_x is not None:
                groups["unrelated"] = probabilities_with_unknown(model, unrelated_x)
            for group, given in groups.items():
                rates.setdefault(f"refused_{group}", []).append(float(np.mean([a["unknown"] for a in given])))
                rates.setdefault(f"flagged_{group}", []).append(
                    float(np.mean([a["unknown"] or a["looks_unlike"] for a in given])))
            heads.append(choice.config.key)
            tested = len(test_rows)
        entry = {
            "k": k,
            "accuracy": round(float(np.mean(accuracies)), 4),
            "accuracy_std": round(float(np.std(accuracies)), 4),
            "seeds": seeds,
            "test_images": tested,
            # Kept under its old name: the share of in-class photos answered "none of these".
            "unknown_flagged_in_class": round(float(np.mean(rates["refused_in_class"])), 4),
            **{name: round(float(np.mean(values)), 4) for name, values in rates.items()},
            "heads": {name: heads.count(name) for name in sorted(set(heads))},
        }
        if "flagged_unrelated" in rates:
            entry["unknown_flagged_unrelated"] = entry["flagged_unrelated"]
        results.append(entry)
        if on_result:
            on_result(entry)
    return results
