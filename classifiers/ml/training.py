"""The one training procedure, used by the app's training runs and by `manage.py evaluate` alike.

features [n, views, d] → representation → head chosen by stratified cross-validation → flags for suspicious
photos (label_issues.py, outliers.py) → as many of the flagged photos left out as cross-validation says
helps (at least the near-certainly wrong ones), and the head chosen again without them → metrics from the
held-out folds → final head → unknown-score calibration.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from classifiers.ml import evaluation
from classifiers.ml.heads import LOGISTIC, MLP, Head, HeadConfig, fit_heads, softmax, span_basis, unproject
from classifiers.ml.label_issues import LabelIssue, class_thresholds, label_issues, with_neighbours
from classifiers.ml.outliers import outliers
from classifiers.ml.unknown import IN_CLASS_RATE, REFUSE_RATE, UnknownDetector, calibrate

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
NEIGHBOURS = 10  # most similar photos named in a `misclassified` flag's words
# An `outlier` counts as near-certainly wrong only in a class with at least this many photos: in smaller ones the
# class's own look is too uncertain (measured, 8 photos a class of a clean set: leaving outliers out cost
# 4 points on trashnet, where the classes look alike; 0 with this rule).
OUTLIER_LEAVE_OUT_MIN = 20

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
    # The cross-validation fold of each row (-1 for a row left out), so another engine can be measured on the
    # same splits of the same photos.
    folds: np.ndarray | None = None
    # row index → (the class (index) a photo flagged `misclassified` looks like, its out-of-fold probability)
    looks_like: dict[int, tuple[int, float]] = field(default_factory=dict)
    # rows training left out as near-certainly wrong (never a protected one), in the order of `flags`
    left_out: list[int] = field(default_factory=list)
    # [n, k] the first out-of-fold probabilities, the flags' starting point (Measurement.out_of_fold)
    out_of_fold: np.ndarray | None = None


# The one rule for how few photos a class may have: each photo is tested on a model trained without it, so
# a class needs one photo to learn from while another is tested. The pages say this number, and nothing else.
MIN_PHOTOS_PER_CLASS = 2


def check_enough(y: np.ndarray, labels: Sequence[str]) -> None:
    counts = np.bincount(y, minlength=len(labels)) if len(y) else np.zeros(len(labels), dtype=int)
    if len(labels) < 2:
        have = f"only {labels[0]!r}" if labels else "none yet"
        raise NotEnoughData(f"A classifier needs at least 2 classes to tell apart (it has {have}); add another class.")
    short = [f"{name!r} ({count})" for name, count in zip(labels, counts, strict=True) if count < MIN_PHOTOS_PER_CLASS]
    if short:
        raise NotEnoughData(
            f"Every class needs at least {MIN_PHOTOS_PER_CLASS} photos to train and to measure accuracy; add photos to "
            + ", ".join(short)
            + "."
        )


def cross_validate(
    x: np.ndarray, y: np.ndarray, n_classes: int, configs: Sequence[HeadConfig], *, seed: int,
    folds: np.ndarray | None = None,
    groups: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(held-out probabilities [configs, n, k], folds [n]) from stratified folds, or from the `folds` given
    (another engine's features measured on the very same splits); rows sharing a number in `groups` (copies
    of one picture) are held out together."""
    if folds is None:
        n_folds = int(min(MAX_FOLDS, np.bincount(y).min()))
        if groups is not None:  # a fold per distinct picture at most, or a class could miss from training
            pictures = min(len(np.unique(groups[y == label])) for label in np.unique(y))
            n_folds = max(2, min(n_folds, pictures))
        folds = evaluation.stratified_folds(y, n_folds, seed, groups)
    n_folds = int(folds.max()) + 1
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


@dataclass(frozen=True)
class TrainingSet:
    """What every step fits on: the representations, their projection onto their own span, and the labels."""

    x: np.ndarray  # [n, d] representations
    z: np.ndarray  # x @ basis: every fit uses these same rows, so they are projected once (exact, see heads.py)
    basis: np.ndarray
    y: np.ndarray  # [n] indices into labels
    labels: list[str]


@dataclass(frozen=True)
class HeadChoice:
    """The candidate cross-validation chose, and the held-out answers it was chosen by (which measuring reuses)."""

    config: HeadConfig
    candidates: tuple[HeadConfig, ...]
    table: list[dict]  # per candidate: held-out accuracy and log loss
    held_out: np.ndarray  # [candidates, n, k] probabilities from folds that did not see the row
    folds: np.ndarray  # [n] fold of each row


@dataclass(frozen=True)
class Measurement:
    """Honest figures for a choice (no "unknown" entry: that describes the final model), and the photos
    worth a look: row → {"misclassified" | "outlier": reason in words}."""

    metrics: dict
    flags: dict[int, dict[str, str]]
    # misclassified row → (class it looks like, that class's out-of-fold probability)
    looks_like: dict[int, tuple[int, float]] = field(default_factory=dict)
    near_certain: list[int] = field(default_factory=list)  # flagged rows the evidence says are wrong
    # [n, k] the out-of-fold probabilities the flags start from (each fold answered by the candidate the other
    # folds chose): what another label-checking tool is given to compare with on the same footing
    out_of_fold: np.ndarray | None = None


def refit_without(data: TrainingSet, choice: HeadChoice, left_out: np.ndarray) -> np.ndarray:
    """Out-of-fold probabilities [n, k] from the chosen candidate's fold heads trained without the
    `left_out` rows; every row, left out or not, is answered by the head of its own fold."""
    n_folds = int(choice.folds.max()) + 1
    tasks = [(choice.config, (choice.folds != fold) & ~left_out) for fold in range(n_folds)]
    heads = fit_heads(data.z, data.y, len(data.labels), tasks, project=False)
    probabilities = np.zeros((len(data.y), len(data.labels)), dtype=np.float32)
    for fold, head in enumerate(heads):
        rows = choice.folds == fold
        probabilities[rows] = head.probabilities(data.z[rows])
    return probabilities


def doubtful_photos(data: TrainingSet, choice: HeadChoice, probabilities: np.ndarray) -> Measurement:
    """The photos worth a look (metrics empty): filed under the wrong class (confident learning on the
    out-of-fold `probabilities`, label_issues.py) or unlike every class (frozen features, outliers.py), and
    which of them the evidence says are near-certainly wrong."""
    y, labels = data.y, data.labels
    # Fold heads refitted without the first round's suspects need every class in every fold's training rows.
    refit = (lambda left_out: refit_without(data, choice, left_out)) if np.bincount(y).min() >= 3 else None
    elsewhere = _neighbours_by_class(data.x, y, len(labels))
    issues, judged = label_issues(probabilities, y, refit)
    issues = with_neighbours(issues, judged, y, elsewhere)
    bars = class_thresholds(judged, y)
    doubts = outliers(data.x, y, labels)
    flags: dict[int, dict[str, str]] = {}
    looks_like: dict[int, tuple[int, float]] = {}
    near_certain: list[int] = []
    for issue in issues:
        flags.setdefault(issue.row, {})["misclassified"] = _misclassified_words(issue, labels, y, elsewhere)
        looks_like[issue.row] = (issue.looks_like, round(issue.looks_like_probability, 4))
        # Near-certain when the out-of-fold answer and the photos most like it agree: a clear majority of
        # each puts it in the same other class (the answer alone left out 1.5x more right photos).
        if issue.clearly_other and 2 * elsewhere[issue.row, issue.looks_like] >= elsewhere[issue.row].sum():
            near_certain.append(issue.row)
    counts = np.bincount(y, minlength=len(labels))
    for row, doubt in sorted(doubts.items(), key=lambda item: -item[1].score):
        # Unlike its class's photos, yet the out-of-fold answer is as sure of its class as of a typical
        # member (at or above the class's bar): a hard right photo, not a stray. Without this check the
        # outlier flag added 2.8 % of the right photos to the misclassified flag's on the clothing set
        # (flag_benchmark --mislabelled) for 1.2 % more wrong ones; with it 1.2 % for 0.8 %.
        if row not in flags and judged[row, y[row]] >= bars[y[row]]:
            continue
        flags.setdefault(row, {})["outlier"] = doubt.reason
        # Near-certain when it is less like its class than other classes' photos are and the out-of-fold
        # answer doubts it too (its own class below that class's bar).
        if (doubt.unlike_its_class and judged[row, y[row]] < bars[y[row]]
                and counts[y[row]] >= OUTLIER_LEAVE_OUT_MIN and row not in near_certain):
            near_certain.append(row)
    return Measurement(metrics={}, flags=flags, looks_like=looks_like, near_certain=near_certain,
                       out_of_fold=probabilities)


def _neighbours_by_class(x: np.ndarray, y: np.ndarray, k: int) -> np.ndarray:
    """[n, k] how many of each photo's NEIGHBOURS most similar photos (itself apart) are in each class."""
    n = min(NEIGHBOURS, len(y) - 1)
    similarity = x @ x.T
    np.fill_diagonal(similarity, -np.inf)
    nearest = np.argpartition(-similarity, n - 1, axis=1)[:, :n]
    counts = np.zeros((len(y), k), dtype=np.int64)
    np.add.at(counts, (np.repeat(np.arange(len(y)), n), y[nearest].ravel()), 1)
    return counts


def _misclassified_words(issue: LabelIssue, labels: list[str], y: np.ndarray, neighbours: np.ndarray) -> str:
    other, own = labels[issue.looks_like], labels[y[issue.row]]
    near = int(neighbours[issue.row, issue.looks_like])
    total = int(neighbours[issue.row].sum())
    return (f"looks like {other!r} rather than {own!r}: a model that did not see it said {other!r} "
            f"({issue.looks_like_probability:.0%}), and {near} of the {total} photos most like it are in {other!r}")


def training_set(features: np.ndarray, y: np.ndarray, labels: Sequence[str]) -> TrainingSet:
    """Features [n, views, d] (or [n, d]) with labels y [n] indexing `labels`; refuses too little in words."""
    labels = list(labels)
    y = np.asarray(y, dtype=np.int64)
    check_enough(y, labels)
    x = represent(np.asarray(features, dtype=np.float32))
    basis = span_basis(x)
    return TrainingSet(x=x, z=x @ basis, basis=basis, y=y, labels=labels)


def choose_head(data: TrainingSet, *, candidates: Sequence[HeadConfig] = CANDIDATES, seed: int = 0,
                folds: np.ndarray | None = None, groups: np.ndarray | None = None) -> HeadChoice:
    """Cross-validate every candidate on the same stratified folds (those given, or the seed's) and keep the
    best (see `choose`); copies of one picture (the same number in `groups`) share a fold."""
    candidates = tuple(candidates)
    held_out, folds = cross_validate(data.z, data.y, len(data.labels), candidates, seed=seed, folds=folds,
                                     groups=groups)
    best, table = choose(held_out, data.y, candidates)
    return HeadChoice(config=candidates[best], candidates=candidates, table=table, held_out=held_out, folds=folds)


def measure_head(data: TrainingSet, choice: HeadChoice, *, seed: int = 0, judge: bool = True) -> Measurement:
    """Accuracy, per-class figures, confusion and learning curve from the held-out folds, with each fold
    answered by the candidate the other folds chose; and (judge) the flags for photos that look wrong."""
    y, labels, candidates, folds = data.y, data.labels, choice.candidates, choice.folds
    picks, probabilities = _answers_of_other_folds_picks(data, choice)
    predicted = probabilities.argmax(axis=1)
    accuracy = float(np.mean(predicted == y))
    per_label = evaluation.per_label(y, predicted, labels)
    points = learning_curve(data.z, y, len(labels), [candidates[pick] for pick in picks], folds, accuracy, seed=seed)
    n_folds = int(folds.max()) + 1
    config = choice.config
    metrics = {
        "accuracy": round(accuracy, 4),
        "per_label": per_label,
        "confusion": evaluation.confusion(y, predicted, labels),
        "learning_curve": {"points": points, "recommendation": evaluation.recommendation(points, per_label)},
        "head": config.key,
        "head_config": config.as_dict(),
        "candidates": choice.table,
        "folds": n_folds,
        "examples": int(len(y)),
        "evaluation": (
            f"{n_folds}-fold stratified cross-validation on {len(y)} photos: every photo was predicted by a "
            f"head that never saw it, and each fold's head was chosen among {len(candidates)} candidates by "
            f"the other folds alone, so the choice does not flatter the figure. The final head ({config.key}, "
            "best over all folds) is then trained on all photos."
        ),
        "misclassified": held_out_mistakes(probabilities, y, labels),
    }
    doubts = doubtful_photos(data, choice, probabilities) if judge else Measurement({}, {})
    return Measurement(metrics=metrics, flags=doubts.flags, looks_like=doubts.looks_like,
                       near_certain=doubts.near_certain, out_of_fold=probabilities)


def _answers_of_other_folds_picks(data: TrainingSet, choice: HeadChoice) -> tuple[list[int], np.ndarray]:
    """(each fold's pick by the other folds, the held-out probabilities [n, k] those picks gave)."""
    picks = picks_by_other_folds(choice.held_out, data.y, choice.folds, choice.candidates)
    return picks, held_out_without_selection_bias(choice.held_out, choice.folds, picks)


def out_of_fold_probabilities(features: np.ndarray, y: np.ndarray, labels: Sequence[str], *, seed: int = 0,
                              groups: np.ndarray | None = None) -> np.ndarray:
    """[n, k] the out-of-fold probabilities `train` (same seed and groups) starts its flags from, without
    the rest of training: how a benchmark hands another label-checking tool what NanoWeb's flags saw."""
    data = training_set(features, y, labels)
    return _answers_of_other_folds_picks(data, choose_head(data, seed=seed, groups=groups))[1]


def accuracy_on_folds(features: np.ndarray, y: np.ndarray, labels: Sequence[str], *, folds: np.ndarray,
                      seed: int = 0, candidates: Sequence[HeadConfig] = CANDIDATES) -> float:
    """The held-out accuracy `train` would report for these features, measured on the `folds` given: how
    another engine's features are compared with a version's on the very same splits of the same photos."""
    data = training_set(features, y, labels)
    choice = choose_head(data, candidates=candidates, seed=seed, folds=np.asarray(folds, dtype=np.int64))
    _, probabilities = _answers_of_other_folds_picks(data, choice)
    return round(float(np.mean(probabilities.argmax(axis=1) == data.y)), 4)


def fit_final_head(data: TrainingSet, config: HeadConfig, *, seed: int = 0) -> TrainedModel:
    """The chosen head trained on every photo, with the "none of these" score calibrated on them."""
    everything = np.ones(len(data.y), dtype=bool)
    head = fit_heads(data.z, data.y, len(data.labels), [(config, everything)], seed=seed, project=False)[0]
    return TrainedModel(labels=data.labels, head=unproject(head, data.basis), unknown=calibrate(data.x))


def leave_out_candidates(measured: Measurement, y: np.ndarray, labels: Sequence[str],
                         protected: Sequence[int] = ()) -> list[list[int]]:
    """How much cleaning could leave out, least first, each one containing the one before: the photos the
    evidence says are near-certainly wrong; with every photo that looks like another class (confident
    learning's estimated count of label mistakes per class); with every flagged photo. Never a protected row
    (a photo a person kept); a step that would leave a class too few photos to train on, and what follows
    it, is not offered (none at all: nothing is left out)."""
    keep = set(int(row) for row in protected)
    steps = (measured.near_certain, list(measured.looks_like), list(measured.flags))
    candidates: list[list[int]] = []
    rows: list[int] = []
    for step in steps:
        rows = rows + [int(row) for row in step if int(row) not in keep and int(row) not in rows]
        if candidates and len(rows) == len(candidates[-1]):
            continue
        remaining = np.ones(len(y), dtype=bool)
        remaining[rows] = False
        try:
            check_enough(y[remaining], labels)
        except NotEnoughData:
            break
        candidates.append(rows)
    return candidates


def rows_to_leave_out(data: TrainingSet, choice: HeadChoice, measured: Measurement,
                      protected: Sequence[int] = ()) -> tuple[list[int], dict]:
    """(the rows training leaves out, how that was decided): of `leave_out_candidates`, the one whose fold
    heads (the chosen head, on the same folds), trained without it, answer best every photo but the
    near-certainly wrong ones that all candidates leave out (ties: the one leaving out less). How much to
    leave out is thus measured on each set, not fixed: where the flagged photos are mostly wrong, training
    without them answers the rest better; where many are hard right photos, the heads trained without them
    answer those photos worse, and they are judged too. (Judging on the unflagged photos alone rewarded
    leaving out hard right photos: on web_benchmark's trashnet rounds it left out more and lost accuracy.)"""
    candidates = leave_out_candidates(measured, data.y, data.labels, protected)
    if len(candidates) < 2:
        rows = candidates[0] if candidates else []
        return rows, {"left_out": [len(rows)], "accuracy": [], "judged_on": 0}
    judged = np.ones(len(data.y), dtype=bool)
    judged[candidates[0]] = False
    accuracies = []
    for rows in candidates:
        left_out = np.zeros(len(data.y), dtype=bool)
        left_out[rows] = True
        answers = refit_without(data, choice, left_out)[judged].argmax(axis=1)
        accuracies.append(round(float(np.mean(answers == data.y[judged])), 4))
    best = max(range(len(candidates)), key=lambda i: (accuracies[i], -i))
    return candidates[best], {"left_out": [len(rows) for rows in candidates], "accuracy": accuracies,
                              "judged_on": int(judged.sum())}


def train(
    features: np.ndarray,
    y: np.ndarray,
    labels: Sequence[str],
    *,
    seed: int = 0,
    candidates: Sequence[HeadConfig] = CANDIDATES,
    progress: Progress | None = None,
    protected: Sequence[int] = (),
    clean: bool = True,
    groups: np.ndarray | None = None,
) -> TrainResult:
    """Choose the head, measure it and fit the final one, on features [n, views, d] (or [n, d]) with labels
    y [n] indexing `labels`.

    With `clean`, the photos the evidence says are near-certainly wrong (another class's photo by a clear
    majority of the out-of-fold answer, or less like their class than other classes' photos are) are left out,
    and more of the flagged ones when cross-validation says the heads trained without them answer better
    (rows_to_leave_out), never the `protected` rows (photos a person kept); the head is then chosen, measured
    and fitted again on the rest, so the figures describe the model that answers. Rows with the same number in
    `groups` show one picture: cross-validation holds them out together, so a copy is never tested by a head
    trained on its original.
    Measured in
    `manage.py flag_benchmark --mislabelled` and `web_benchmark`: see the README's benchmark table."""
    report = progress or (lambda stage, fraction: None)
    y = np.asarray(y, dtype=np.int64)
    data = training_set(features, y, labels)
    report("choosing a head by cross-validation", 0.0)
    choice = choose_head(data, candidates=candidates, seed=seed, groups=groups)
    report("measuring", 0.4)
    measured = measure_head(data, choice, seed=seed)
    left_out, _ = rows_to_leave_out(data, choice, measured, protected) if clean else ([], {})
    metrics = measured.metrics
    if left_out:
        report("choosing a head again without the photos left out", 0.6)
        kept = np.setdiff1d(np.arange(len(y)), left_out)
        data = training_set(np.asarray(features)[kept], y[kept], labels)
        choice = choose_head(data, candidates=candidates, seed=seed,
                             groups=None if groups is None else np.asarray(groups)[kept])
        metrics = measure_head(data, choice, seed=seed, judge=False).metrics
        for mistake in metrics["misclassified"]:
            mistake["row"] = int(kept[mistake["row"]])
    report("training the final head", 0.8)
    model = fit_final_head(data, choice.config, seed=seed)
    metrics = metrics | {
        "left_out": [{"row": int(row), "looks_like": labels[measured.looks_like[row][0]]
                      if row in measured.looks_like else None} for row in left_out],
        "unknown": model.unknown.as_dict() | {"in_class_rate_target": IN_CLASS_RATE,
                                              "refused_rate_target": REFUSE_RATE},
    }
    folds = choice.folds
    if left_out:
        folds = np.full(len(y), -1, dtype=np.int64)
        folds[kept] = choice.folds
    return TrainResult(model=model, metrics=metrics, flags=measured.flags, looks_like=measured.looks_like,
                       left_out=left_out, folds=folds, out_of_fold=measured.out_of_fold)


def held_out_mistakes(probabilities: np.ndarray, y: np.ndarray, labels: list[str]) -> list[dict]:
    """Every photo the held-out answers took for another class, most confident first (the results page
    lists them; the flags come from doubtful_photos)."""
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
    misclassified.sort(key=lambda item: -item["confidence"])
    return misclassified


def probabilities_with_unknown(model: TrainedModel, representation: np.ndarray) -> list[dict]:
    probabilities, scores = model.predict(representation)
    answers = []
    for row, score in zip(probabilities, scores, strict=True):
        best = int(row.argmax())
        answers.append(
            {
                "label": model.labels[best],
                "confidence": float(row[best]),
                "unknown": bool(score > model.unknown.refuse_above),
                # Named, but unlike every photo it was trained on: "probably X — but it looks unlike…"
                "looks_unlike": bool(model.unknown.threshold < score <= model.unknown.refuse_above),
                "unknown_score": round(float(score), 4),
                "probabilities": {name: float(p) for name, p in zip(model.labels, row, strict=True)},
            }
        )
    return answers


__all__ = [
    "train",
    "training_set",
    "choose_head",
    "measure_head",
    "accuracy_on_folds",
    "out_of_fold_probabilities",
    "fit_final_head",
    "represent",
    "TrainedModel",
    "TrainResult",
    "MIN_PHOTOS_PER_CLASS",
    "NotEnoughData",
    "softmax",
    "probabilities_with_unknown",
]
