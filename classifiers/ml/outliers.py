"""Which photos look like they do not belong: off-topic pictures a web search brought in, or a photo that
plainly shows another class.

Works on representations x [n, d] (L2-normalised, so a dot product is a cosine) with class indices y [n].

Each class gets a robust centre: the mean of its photos, refitted twice on its closest 70 %, so a fifth
of intruders cannot pull it towards them; a photo is measured against the centre without itself
(leave-one-out). Two readings of that similarity s decide:
- fit = (s - out) / (typical - out): 1 for a typical photo of the class (the median similarity), 0 for
  a photo no closer to the class than photos of the *other* classes are (their median). Scale-free, so a
  tight class and a loose one are judged alike, and a contaminated class's spread cannot hide intruders.
- z = (typical - s) / spread, the spread measured on the upper half only (photos closer than typical),
  which intruders never reach; this guards classes that look alike, where `fit` alone is noisy.
A photo is an outlier when fit < FIT and z > Z, unless it fits another class (see OTHER_FIT). With a
single class, or a class no closer to its own photos than to others', only z decides (ALONE_Z).

An earlier rule (robust z of the distance to the centre plus nearest-neighbour label disagreement) caught
as many intruders among ten classes but missed most of them between two or three classes, where
neighbours' labels say little.

Measured with `manage.py flag_benchmark DIR --intruders DIR2 --seeds 5` (32 genuine photos a class and 8
intruders, i.e. 20 %; accuracy on the rest of DIR, trained on the mixed set / without the flagged photos /
on the clean set):
- clothing + trashnet: 96 % of intruders flagged, 2.5 % of genuine photos; 80.9 / 81.2 / 81.7 %
- trashnet + clothing: 93 % and 2.1 %; 76.3 / 78.1 / 78.1 %
- two or three classes that look alike (--classes shirt,t-shirt / glass,plastic): 99-100 % and 9-11 %.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TRIM = 0.3  # share of a class left out of its centre in each refit
REFITS = 2
MIN_PHOTOS = 5  # fewer photos than this and a class's look cannot be told from its odd photos
FIT = 0.2
Z = 1.0
ALONE_Z = 2.5
# A photo that fits another class at least OTHER_FIT is between two classes, not off-topic: flagged only
# when it fits that class like a typical member (CLEARLY_OTHER) and its own class less than outsiders do.
# Flagging every in-between photo caught no more intruders and cost 1-2 points of accuracy once dropped.
OTHER_FIT = 0.5
CLEARLY_OTHER = 1.0


@dataclass(frozen=True)
class Doubt:
    score: float  # 0.25-1, how strongly the photo looks out of place; the review list sorts by it
    reason: str


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)


def centres(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """(each photo's similarity to its class's robust centre without itself [n], {class: centre})."""
    own = np.zeros(len(y), dtype=np.float64)
    found: dict[int, np.ndarray] = {}
    for label in np.unique(y):
        rows = np.flatnonzero(y == label)
        members = x[rows].astype(np.float64)
        core = np.ones(len(rows), dtype=bool)
        for refit in range(REFITS + 1):
            total = members[core].sum(axis=0)
            # A photo in the core is measured against the core without itself.
            similarity = np.sum(members * _unit(total[None, :] - members * core[:, None]), axis=1)
            if refit < REFITS and len(rows) >= 4:
                core = similarity >= np.quantile(similarity, TRIM)
        own[rows] = similarity if len(rows) > 1 else 1.0
        found[int(label)] = _unit(total)
    return own, found


def outliers(x: np.ndarray, y: np.ndarray, labels: list[str]) -> dict[int, Doubt]:
    """row → Doubt for the photos that look out of place in their class."""
    y = np.asarray(y, dtype=np.int64)
    if len(y) < MIN_PHOTOS:
        return {}
    own, centre = centres(x, y)
    classes = sorted(centre)
    fits = np.full((len(y), len(labels)), np.nan)
    z = np.zeros(len(y))
    usable = np.zeros(len(labels), dtype=bool)  # classes whose fit means something
    for label in classes:
        mine = y == label
        similarity = x @ centre[label]
        similarity[mine] = own[mine]
        typical = float(np.median(own[mine]))
        upper = own[mine][own[mine] >= typical] - typical
        spread = max(float(np.median(upper)) / 0.6745, 1e-6)
        z[mine] = (typical - own[mine]) / spread
        if (~mine).any():
            out = float(np.median(similarity[~mine]))
            if typical - out > 1e-6:
                fits[:, label] = (similarity - out) / (typical - out)
                usable[label] = True
    counts = np.bincount(y, minlength=len(labels))
    found: dict[int, Doubt] = {}
    for row in range(len(y)):
        label = int(y[row])
        if counts[label] < MIN_PHOTOS:
            continue
        name = labels[label]
        if not usable[label]:
            if z[row] > ALONE_Z:
                found[row] = Doubt(round(min(1.0, 0.25 + (z[row] - ALONE_Z) / 8), 3),
                                   f"looks unlike the other photos of {name!r} (far from what they have in common)")
            continue
        fit = fits[row, label]
        if not (fit < FIT and z[row] > Z):
            continue
        others = [(fits[row, other], other) for other in classes if other != label and usable[other]]
        best_fit, best = max(others, default=(-np.inf, -1))
        if best_fit >= OTHER_FIT:
            # Between two classes: a hard photo that training needs, unless it is plainly the other
            # class's (a hat filed under shoes); cross-validation's `misclassified` speaks for the rest.
            if not (best_fit >= CLEARLY_OTHER and fit < 0):
                continue
            reason = f"looks unlike the other photos of {name!r}, and like those of {labels[best]!r}"
        elif fit < 0:
            reason = f"looks unlike the other photos of {name!r}: less like them than photos of other classes are"
        else:
            reason = f"looks unlike the other photos of {name!r} (far from what they have in common)"
        found[row] = Doubt(round(float(np.clip(0.25 + (FIT - fit) / 2, 0.25, 1.0)), 3), reason)
    return found



def outlier_flags(x: np.ndarray, y: np.ndarray, labels: list[str]) -> dict[int, str]:
    """row → reason in words (what training reports in TrainResult.flags)."""
    return {row: doubt.reason for row, doubt in outliers(x, y, labels).items()}
