"""Photos filed under the wrong class, found the way confident learning finds them (Northcutt, Jiang and
Chuang, "Confident Learning: Estimating Uncertainty in Dataset Labels", 2021), from the out-of-fold
probabilities training computes anyway.

1. Per-class thresholds: t_j is the mean probability of class j over the photos filed under j. A photo
   "confidently looks like" class j when its probability of j reaches t_j (the highest such j when
   several do). Each class gets its own bar: a hard class, whose own photos score 0.6 on average, is not
   held to the 0.9 of an easy one.
2. The confident joint counts, per class filed under, how many photos confidently look like each class;
   rescaled so every row sums to the photos filed under that class (the paper's calibration), its
   off-diagonal row sum estimates how many of that class's photos are wrong.
3. That many photos of each class are flagged, those whose own class has the lowest probability
   (cleanlab's "prune by noise rate" idea, ranked by self-confidence).
4. Twice: the first round's suspects are left out of the cross-validation heads and every photo is
   answered again by a head that saw neither it nor them (`refit`). Wrong photos in the training folds
   pull the heads towards themselves; without them the probabilities separate right from wrong more
   sharply, and the count and ranking of step 2-3 are redone on them.

5. What the frozen features say: a photo confident learning let pass (with a dozen photos a class, an
   easy class's bar can sit above a clear 80 % answer) is flagged too when both the out-of-fold answer
   (CLEARLY_OTHER) and most of the photos most like it put it in the same other class
   (`with_neighbours`); on the shared sets this caught 1 % more wrong photos for 0-0.7 % more right ones.

Measured with `manage.py flag_benchmark DIR --mislabelled --seeds 5` (20 right photos a class, 5 filed
from other classes of the same set; cleanlab's find_label_issues on the same features and first-round
probabilities): see the README's benchmark table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# A photo whose out-of-fold answer gives another single class at least this probability is more likely
# that class than all the others together, its own included: leaving it out of training is safe.
CLEARLY_OTHER = 0.5


@dataclass(frozen=True)
class LabelIssue:
    row: int
    looks_like: int  # the class it most looks like (index)
    looks_like_probability: float  # out-of-fold probability of that class
    own_probability: float  # out-of-fold probability of the class it is filed under

    @property
    def clearly_other(self) -> bool:
        return self.looks_like_probability >= CLEARLY_OTHER


def class_thresholds(probabilities: np.ndarray, y: np.ndarray) -> np.ndarray:
    """t_j = mean probability of class j over the photos filed under j [k]; 1 for a class with none."""
    k = probabilities.shape[1]
    return np.array([probabilities[y == j, j].mean() if (y == j).any() else 1.0 for j in range(k)])


def confident_joint(probabilities: np.ndarray, y: np.ndarray) -> np.ndarray:
    """[k, k] counts: row = class filed under, column = class the photo confidently looks like, rescaled
    so each row sums to the photos filed under that class."""
    k = probabilities.shape[1]
    above = probabilities >= class_thresholds(probabilities, y)[None, :] - 1e-12
    looks_like = np.where(above, probabilities, -1.0).argmax(axis=1)
    counted = above.any(axis=1)
    joint = np.zeros((k, k))
    np.add.at(joint, (y[counted], looks_like[counted]), 1.0)
    filed = np.bincount(y, minlength=k).astype(float)
    return joint / np.maximum(joint.sum(axis=1, keepdims=True), 1.0) * filed[:, None]


def issue_counts(probabilities: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Estimated number of wrong photos filed under each class [k] (off-diagonal of the confident joint)."""
    joint = confident_joint(probabilities, y)
    return np.rint(joint.sum(axis=1) - np.diag(joint)).astype(np.int64)


def least_confident(probabilities: np.ndarray, y: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Mask [n]: for each class c, the counts[c] photos filed under c whose probability of c is lowest."""
    own = probabilities[np.arange(len(y)), y]
    chosen = np.zeros(len(y), dtype=bool)
    for label, count in enumerate(counts):
        rows = np.flatnonzero(y == label)
        chosen[rows[np.argsort(own[rows], kind="stable")[: max(int(count), 0)]]] = True
    return chosen


def suspects(probabilities: np.ndarray, y: np.ndarray) -> np.ndarray:
    """One round of confident learning: mask [n] of the photos that look filed under the wrong class."""
    return least_confident(probabilities, y, issue_counts(probabilities, y))


def label_issues(
    probabilities: np.ndarray, y: np.ndarray, refit: Callable[[np.ndarray], np.ndarray] | None = None
) -> tuple[list[LabelIssue], np.ndarray]:
    """(the photos filed under the wrong class, most doubtful first; the probabilities they were judged by).

    `probabilities` [n, k] are out-of-fold; refit(left_out mask) → out-of-fold probabilities from heads
    trained without the left-out photos (None: one round only).
    """
    y = np.asarray(y, dtype=np.int64)
    if refit is not None:
        first = suspects(probabilities, y)
        if first.any() and not first.all():
            probabilities = refit(first)
    flagged = np.flatnonzero(suspects(probabilities, y))
    others = probabilities.copy()
    others[np.arange(len(y)), y] = -1.0
    found = [
        LabelIssue(
            row=int(row),
            looks_like=int(others[row].argmax()),
            looks_like_probability=float(others[row].max()),
            own_probability=float(probabilities[row, y[row]]),
        )
        for row in flagged
    ]
    found.sort(key=lambda issue: (issue.own_probability, -issue.looks_like_probability))
    return found, probabilities


def with_neighbours(issues: list[LabelIssue], probabilities: np.ndarray, y: np.ndarray,
                    neighbours: np.ndarray) -> list[LabelIssue]:
    """`issues` and the photos they missed that a clear majority of their out-of-fold answer and of their
    most similar photos (neighbours [n, k]: how many of them are in each class) both put in one other class."""
    flagged = {issue.row for issue in issues}
    others = probabilities.copy()
    others[np.arange(len(y)), y] = -1.0
    looks_like = others.argmax(axis=1)
    agreed = (others.max(axis=1) >= CLEARLY_OTHER) & (
        2 * neighbours[np.arange(len(y)), looks_like] >= neighbours.sum(axis=1))
    extra = [
        LabelIssue(row=int(row), looks_like=int(looks_like[row]), looks_like_probability=float(others[row].max()),
                   own_probability=float(probabilities[row, y[row]]))
        for row in np.flatnonzero(agreed) if int(row) not in flagged
    ]
    return sorted([*issues, *extra], key=lambda issue: (issue.own_probability, -issue.looks_like_probability))
