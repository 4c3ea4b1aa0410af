"""Which answered photos a person should label next: the ones the model is least sure of, spread out so that
ten near-copies of one hard photo do not fill the top of the list.

Each photo gets a doubt from its answers (higher is more worth a label):
- the margin between its two most likely classes: a photo the model almost gave to another class teaches it
  the most about where the two meet (1 - margin, so 0 for a sure answer, 1 for a tie);
- "none of these": a photo unlike every training photo shows the model something it has never seen;
- two versions disagreeing on it: at least one of them is wrong.

A typical photo also gains a little: one that looks like many of the other candidates stands for them, while
an odd one (a blurred shot, a rare angle) teaches the model about itself alone. With a few photos a class
this matters most: picking the most doubtful photos alone is known to do worse than random there (Hacohen et
al., "Active Learning on a Budget: Opposite Strategies Suit High and Low Budgets", 2022, pick typical ones
first). Typicality is each photo's mean cosine to its TYPICAL_NEIGHBOURS most alike candidates, as a z-score
among the candidates, so it means the same on any backbone, whatever the range of its cosines.

Then the list is built greedily: each next photo is the one whose doubt, less its likeness to the photos
already chosen, is the highest. Likeness is the cosine of the backbone's features (represent() rows are
L2-normalised), so a near-duplicate of a chosen photo loses nearly all its doubt.

Plain numpy, so the app's queue and `manage.py label_next_benchmark` rank with the very same code.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# What each reason adds to the margin's doubt (0-1). A "none of these" answer or a disagreement is worth as
# much as a near tie; measured with label_next_benchmark on the two shared sets.
UNKNOWN_WEIGHT = 0.5
DISAGREEMENT_WEIGHT = 0.5
# How much likeness to an already chosen photo takes away: a cosine of 1 (the same picture) takes away a full
# tie's doubt. Measured on the shared sets (10 seeds): 1.0 beat 0, 0.5 and 2.0, and beat counting likeness
# only above the pool's typical cosine.
LIKENESS_WEIGHT = 1.0
# What one standard deviation of typicality adds (label_next_benchmark, 20 seeds, queue minus random in
# points, Lite0 int8 / float): without it -0.6 / -0.1 on clothing and +0.9 / +1.0 on trashnet; with 0.25 and 5
# neighbours +1.5 / +2.2 and +1.5 / +1.9. Weights 0.1-0.25 and 5-20 neighbours all gave +0.6 to +2.4; a
# weight of 1 lost up to 2.3 points on trashnet (the queue then fills with one crowded kind of photo).
TYPICALITY_WEIGHT = 0.25
TYPICAL_NEIGHBOURS = 5

MARGIN, UNKNOWN, DISAGREEMENT = "margin", "unknown", "disagreement"


@dataclass(frozen=True)
class Doubt:
    """Why one photo is worth a label: its margin (0-1), whether it looked like none of the classes, and the
    previous version's top class when it said another one (index into the classes, else None)."""

    score: float
    margin: float
    top: int
    second: int
    unknown: bool
    previous_top: int | None


def doubts(probabilities: np.ndarray, unknown: np.ndarray,
           previous_probabilities: np.ndarray | None = None) -> list[Doubt]:
    """One Doubt per photo from the answers of the version in use ([n, k] probabilities, [n] "none of these"
    flags) and, when there is one, those of the version before it ([n, k], the same classes in the same
    order)."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    order = np.argsort(-probabilities, axis=1)
    rows = np.arange(len(probabilities))
    top, second = order[:, 0], order[:, 1] if probabilities.shape[1] > 1 else order[:, 0]
    margin = probabilities[rows, top] - probabilities[rows, second]
    disagree = np.zeros(len(probabilities), dtype=bool)
    previous_top = np.full(len(probabilities), -1)
    if previous_probabilities is not None:
        previous_top = np.asarray(previous_probabilities).argmax(axis=1)
        disagree = previous_top != top
    unknown = np.asarray(unknown, dtype=bool)
    score = (1.0 - margin) + UNKNOWN_WEIGHT * unknown + DISAGREEMENT_WEIGHT * disagree
    return [
        Doubt(score=float(score[i]), margin=float(margin[i]), top=int(top[i]), second=int(second[i]),
              unknown=bool(unknown[i]), previous_top=int(previous_top[i]) if disagree[i] else None)
        for i in rows
    ]


def typicality(representations: np.ndarray) -> np.ndarray:
    """Per photo, how typical of the others it is: the mean cosine to its TYPICAL_NEIGHBOURS most alike, as a
    z-score among them (0 for every photo when there are fewer than three, or all are alike)."""
    x = np.asarray(representations, dtype=np.float64)
    if len(x) < 3:
        return np.zeros(len(x))
    likeness = x @ x.T
    np.fill_diagonal(likeness, -np.inf)
    neighbours = min(TYPICAL_NEIGHBOURS, len(x) - 1)
    closest = np.sort(likeness, axis=1)[:, -neighbours:].mean(axis=1)
    spread = closest.std()
    return (closest - closest.mean()) / spread if spread > 1e-9 else np.zeros(len(x))


def most_useful_first(scores: np.ndarray, representations: np.ndarray, count: int) -> list[int]:
    """Positions of the `count` photos to label first, in order: greedily the highest doubt plus
    TYPICALITY_WEIGHT times its typicality, less LIKENESS_WEIGHT times the cosine to the closest photo already
    chosen."""
    x = np.asarray(representations, dtype=np.float64)
    scores = np.asarray(scores, dtype=np.float64) + TYPICALITY_WEIGHT * typicality(x)
    count = min(count, len(scores))
    chosen: list[int] = []
    closest = np.zeros(len(scores))  # cosine to the most alike chosen photo so far
    left = np.ones(len(scores), dtype=bool)
    for _ in range(count):
        value = np.where(left, scores - LIKENESS_WEIGHT * closest, -np.inf)
        pick = int(np.argmax(value))
        chosen.append(pick)
        left[pick] = False
        closest = np.maximum(closest, np.clip(x @ x[pick], 0.0, 1.0))
    return chosen


def reasons(doubt: Doubt) -> list[str]:
    """The kinds of doubt a photo carries, most telling first (MARGIN, UNKNOWN, DISAGREEMENT)."""
    kinds = []
    if doubt.unknown:
        kinds.append(UNKNOWN)
    if doubt.previous_top is not None:
        kinds.append(DISAGREEMENT)
    kinds.append(MARGIN)
    return kinds


__all__ = ["Doubt", "doubts", "most_useful_first", "typicality", "reasons", "MARGIN", "UNKNOWN", "DISAGREEMENT"]
