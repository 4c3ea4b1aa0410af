"""The one training procedure, used by the app's training runs and by `manage.py evaluate` alike.

features [n, views, d] → representation → head chosen by stratified cross-validation → metrics from the
held-out folds → final head on everything → unknown-score calibration → flags for suspicious photos.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from classifiers.ml import evaluation
from classifiers.ml.heads import LOGISTIC, MLP, Head, HeadConfig, fit_heads, softmax, span_basis, unproject
from classifiers.ml.outliers import outlier_flags
from classifiers.ml.unknown import UnknownDetector, calibrate

# Candidates compared by cross-validation. C=10 on L2-normalised features is the measured sweet spot for
# logistic regression and C=30 was as good on the texture-heavy trashnet set (C=3 never won on either
# shared set, so it is not worth its fitting time); the MLP covers classes that are not linearly
# separable in feature space.
CANDIDATES = (
    HeadConfig(LOGISTIC, 10.0),
    HeadConfig(LOGISTIC, 30.0),
    HeadConfig(MLP, 10.0, hidden=64),
)
MAX_FOLDS = 5
LEARNING_CURVE = (0.25, 0.5, 0.75, 1.0)
# A training photo taken for another class in cross-validation with at least this confidence is flagged.
MISCLASSIFIED_CONFIDENCE = 0.5

Progress = Callable[[str, float], None]


class NotEnoughData(ValueError):
    """Fewer than 2 classes, or a class with fewer than 2 photos; the message says what to add."""


def l2_normalise(x: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(x, axis=-1, keepdims=True)
    return (x / np.maximum(norm, 1e-12)).astype(np.float32)


def represent(features: np.ndarray) -> np.ndarray:
    """[n, views, d] → [n, d]: the L2-normalised mean of the L2-normalised views."""
    if features.ndim == 2:
        return l2_normalise(features)
    return l2_normalise(l2_normalise(features).mean(axis=1))


@dataclass
class TrainedModel:
    labels: list[str]
    head: Head
    unknown: UnknownDetector

    def predict(self, representation: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(probabilities [n, k], unknown scores [n]) for representations [n, d]."""
        return self.head.probabilities(representation), self.unknown.scores(representation)


@dataclass
class TrainResult:
    model: TrainedModel
    metrics: dict
    # row index → {"outlier" | "misclassified": reason in words}
    flags: dict[int, dict[str, str]] = field(default_factory=dict)


def check_enough(y: np.ndarray, labels: Sequence[str]) -> None:
    counts = np.bincount(y, minlength=len(labels)) if len(y) else np.zeros(len(labels), dtype=int)
    if len(labels) < 2:
        have = f"only {labels[0]!r}" if labels else "none yet"
        raise NotEnoughData(f"A classifier needs at least 2 classes to tell apart (it has {have}); add another class.")
    short = [f"{name!r} ({count})" for name, count in zip(labels, counts, strict=True) if count < 2]
    if short:
        raise NotEnoughData(
            "Every class needs at least 2 photos to train and to measure accuracy; add photos to "
            + ", ".join(short)
            + "."
        )


def cross_validate(
    x: np.ndarray, y: np.ndarray, n_classes: int, configs: Sequence[HeadConfig], *, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """(held-out probabilities [configs, n, k], folds [n]) from stratified folds."""
    n_folds = int(min(MAX_FOLDS, np.bincount(y).min()))
    folds = evaluation.stratified_folds(y, n_folds, seed)
    tasks = [(config, folds != fold) for config in configs for fold in range(n_folds)]
    heads = fit_heads(x, y, n_classes, tasks, seed=seed, project=False)
    held_out = np.zeros((len(configs), len(y), n_classes), dtype=np.float32)
    for (config_index, fold), head in zip(
        ((c, f) for c in range(len(configs)) for f in range(n_folds)), heads, strict=True
    ):
        rows = folds == fold
        held_out[config_index, rows] = head.probabilities(x[rows])
    return held_out, folds


def choose(held_out: np.ndarray, y: np.ndarray, configs: Sequence[HeadConfig]) -> tuple[int, list[dict]]:
    """Best held-out accuracy; ties go to the lower held-out log loss."""
    table = []
    for index, config in enumerate(configs):
        probabilities = held_out[index]
        accuracy = float(np.mean(probabilities.argmax(axis=1) == y))
        log_loss = float(-np.mean(np.log(np.clip(probabilities[np.arange(len(y)), y], 1e-9, 1.0))))
        table.append({"head": config.key, "accuracy": round(accuracy, 4), "log_loss": round(log_loss, 4)})
    best = min(range(len(configs)), key=lambda i: (-table[i]["accuracy"], table[i]["log_loss"]))
    return best, table


def picks_by_other_folds(
    held_out: np.ndarray, y: np.ndarray, folds: np.ndarray, configs: Sequence[HeadConfig]
) -> list[int]:
    """For each fold, the candidate that did best on the *other* folds.

    Grading the winner on its own held-out rows would grade the choice on the rows it was chosen by, a
    point or two optimistic with a few photos a class; with these picks no fold's result influences which
    head answers it, at no extra training (the other folds' held-out answers are already there).
    """
    return [
        choose(held_out[:, folds != fold], y[folds != fold], configs)[0] for fold in range(int(folds.max()) + 1)
    ]


def held_out_without_selection_bias(held_out: np.ndarray, folds: np.ndarray, picks: Sequence[int]) -> np.ndarray:
    """Held-out probabilities [n, k] where fold f's rows are answered by candidate picks[f], the one the
    other folds chose (picks_by_other_folds)."""
    answered = np.empty(held_out.shape[1:], dtype=held_out.dtype)
    for fold, pick in enumerate(picks):
        answered[folds == fold] = held_out[pick, folds == fold]
    return answered


def learning_curve(
    x: np.ndarray,
    y: np.ndarray,
    n_classes: int,
    fold_configs: Sequence[HeadConfig],
    folds: np.ndarray,
    full_accuracy: float,
    *,
    seed: int,
) -> list[dict]:
    """Held-out accuracy when each fold's head sees only a fraction of its training photos.

    Fold f's heads use fold_configs[f], the candidate the other folds chose, as the reported accuracy
    (the 100 % point) does; so every point of the curve is measured the same way.
    """
    n_folds = int(folds.max()) + 1
    fractions = [f for f in LEARNING_CURVE if f < 1.0]
    tasks, owners = [], []
    for fraction in fractions:
        for fold in range(n_folds):
            train_rows = np.flatnonzero(folds != fold)
            tasks.append((fold_configs[fold], evaluation.subsample_mask(y, train_rows, fraction, seed + fold)))
            owners.append((fraction, fold))
    heads = fit_heads(x, y, n_classes, tasks, seed=seed, project=False)
    correct = {fraction: 0 for fraction in fractions}
    for (fraction, fold), head in zip(owners, heads, strict=True):
        rows = folds == fold
        correct[fraction] += int(np.sum(head.logits(x[rows]).argmax(axis=1) == y[rows]))
    n_train_total = len(y) * (n_folds - 1) / n_folds
    points = [
        {
            "fraction": fraction,
            "n": int(round(n_train_total * fraction)),
            "accuracy": round(correct[fraction] / len(y), 4),
        }
        for fraction in fractions
    ]
    points.append({"fraction": 1.0, "n": int(round(n_train_total)), "accuracy": round(full_accuracy, 4)})
    return points


def train(
    features: np.ndarray,
    y: np.ndarray,
    labels: Sequence[str],
    *,
    seed: int = 0,
    candidates: Sequence[HeadConfig] = CANDIDATES,
    with_report: bool = True,
    progress: Progress | None = None,
) -> TrainResult:
    """Train on features [n, views, d] (or [n, d]) with labels y [n] indexing `labels`.

    with_report=False skips cross-validation when there is a single candidate (what `evaluate` does for
    its repeated splits is the same code with the full report; the app always reports).
    """
    labels = list(labels)
    y = np.asarray(y, dtype=np.int64)
    check_enough(y, labels)
    report = progress or (lambda stage, fraction: None)
    x = represent(np.asarray(features, dtype=np.float32))
    k = len(labels)
    # Every fit below uses these same rows: project them once onto their span (exact, see heads.py).
    basis = span_basis(x)
    z = x @ basis

    metrics: dict = {}
    flags: dict[int, dict[str, str]] = {}
    if with_report or len(candidates) > 1:
        report("choosing a head by cross-validation", 0.0)
        held_out, folds = cross_validate(z, y, k, candidates, seed=seed)
        best, table = choose(held_out, y, candidates)
        config = candidates[best]
    else:
        config, table = candidates[0], []
    if with_report:
        report("measuring", 0.5)
        picks = picks_by_other_folds(held_out, y, folds, candidates)
        probabilities = held_out_without_selection_bias(held_out, folds, picks)
        predicted = probabilities.argmax(axis=1)
        accuracy = float(np.mean(predicted == y))
        per_label = evaluation.per_label(y, predicted, labels)
        points = learning_curve(z, y, k, [candidates[pick] for pick in picks], folds, accuracy, seed=seed)
        n_folds = int(folds.max()) + 1
        metrics = {
            "accuracy": round(accuracy, 4),
            "per_label": per_label,
            "confusion": evaluation.confusion(y, predicted, labels),
            "learning_curve": {"points": points, "recommendation": evaluation.recommendation(points, per_label)},
            "head": config.key,
            "head_config": config.as_dict(),
            "candidates": table,
            "folds": n_folds,
            "examples": int(len(y)),
            "evaluation": (
                f"{n_folds}-fold stratified cross-validation on {len(y)} photos: every photo was predicted by a "
                f"head that never saw it, and each fold's head was chosen among {len(candidates)} candidates by "
                f"the other folds alone, so the choice does not flatter the figure. The final head ({config.key}, "
                "best over all folds) is then trained on all photos."
            ),
        }
        flags = _misclassified_flags(probabilities, y, labels, metrics)

    report("training the final head", 0.8)
    head = unproject(fit_heads(z, y, k, [(config, np.ones(len(y), dtype=bool))], seed=seed, project=False)[0], basis)
    detector = calibrate(x)
    if with_report:
        metrics["unknown"] = detector.as_dict() | {"in_class_rate_target": 0.05}
        for row, reason in _outlier_flags(x, y, labels, detector).items():
            flags.setdefault(row, {})["outlier"] = reason
    return TrainResult(model=TrainedModel(labels=labels, head=head, unknown=detector), metrics=metrics, flags=flags)


def _misclassified_flags(probabilities: np.ndarray, y: np.ndarray, labels: list[str], metrics: dict) -> dict[int, dict]:
    flags: dict[int, dict[str, str]] = {}
    misclassified = []
    for row in np.flatnonzero(probabilities.argmax(axis=1) != y):
        taken_for = int(probabilities[row].argmax())
        confidence = float(probabilities[row, taken_for])
        misclassified.append(
            {
                "row": int(row),
                "label": labels[y[row]],
                "predicted": labels[taken_for],
                "confidence": round(confidence, 4),
            }
        )
        if confidence >= MISCLASSIFIED_CONFIDENCE:
            flags[int(row)] = {
                "misclassified": f"taken for {labels[taken_for]!r} ({confidence:.0%}) by a model that did not see it"
            }
    misclassified.sort(key=lambda item: -item["confidence"])
    metrics["misclassified"] = misclassified
    return flags


def _outlier_flags(x: np.ndarray, y: np.ndarray, labels: list[str], detector: UnknownDetector) -> dict[int, str]:
    """Photos unlike their own class: a wrong picture, or a rare look worth checking (see outliers.py)."""
    return outlier_flags(x, y, labels)


def probabilities_with_unknown(model: TrainedModel, representation: np.ndarray) -> list[dict]:
    probabilities, scores = model.predict(representation)
    answers = []
    for row, score in zip(probabilities, scores, strict=True):
        best = int(row.argmax())
        answers.append(
            {
                "label": model.labels[best],
                "confidence": float(row[best]),
                "unknown": bool(score > model.unknown.threshold),
                "unknown_score": round(float(score), 4),
                "probabilities": {name: float(p) for name, p in zip(model.labels, row, strict=True)},
            }
        )
    return answers


__all__ = [
    "train",
    "represent",
    "TrainedModel",
    "TrainResult",
    "NotEnoughData",
    "softmax",
    "probabilities_with_unknown",
]
