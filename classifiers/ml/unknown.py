"""The "none of these" score: how far a picture is from every training photo, in the backbone's feature
space (L2-normalised, so similarity is a cosine).

score = 1 - mean cosine similarity to the k nearest training photos. A photo of a class the classifier
knows sits close to some of its training photos; a car shown to a cat-vs-dog classifier sits far from
all of them. Two thresholds are calibrated on the training photos themselves, each scored against the
others (leave-one-out):
- `threshold`: about IN_CLASS_RATE of ordinary photos of known classes score above it. The answer still
  names the likeliest class but says the photo looks unlike the classifier's photos ("Probably a hat
  (95 %) — but it looks unlike your hat photos").
- `refuse_threshold`: only about REFUSE_RATE score above it; those get a flat "None of these".
A photo of none of the classes almost always passes the first (flagged), and mostly the second.

Measured with `manage.py evaluate DIR --k 10,20 --unrelated DIR2` on the two shared real-photo sets
(clothing and trashnet, each the other's unrelated set; 5 splits): in-class photos refused 1.2-2.5 %,
unrelated photos flagged (refused or "looks unlike") 95.6-98.0 %. A single threshold cannot do both:
at 3 % of in-class photos refused it flags only 86-96 % of the unrelated ones. Other scores measured on
the same splits did worse: the distance to the nearest photo alone (k = 1), to the predicted class's
photos only, or on features centred on the training mean (17-67 % of unrelated photos at 3 % in-class),
and the head's own confidence (below 50 % for 24-35 % of in-class photos, for only 68-84 % of unrelated).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NEIGHBOURS = 3
# Share of leave-one-out training photos allowed above each threshold; in-class test photos then land
# near it too (held-out photos are scored exactly as the leave-one-out ones were).
IN_CLASS_RATE = 0.05
REFUSE_RATE = 0.02


@dataclass
class UnknownDetector:
    bank: np.ndarray  # [n, d] L2-normalised training representations
    threshold: float  # above it: "looks unlike your photos"
    neighbours: int = NEIGHBOURS
    # Above it: "none of these". None for versions saved before it existed, which refused above `threshold`.
    refuse_threshold: float | None = None

    @property
    def refuse_above(self) -> float:
        return self.threshold if self.refuse_threshold is None else max(self.refuse_threshold, self.threshold)

    def scores(self, x: np.ndarray) -> np.ndarray:
        return knn_scores(x, self.bank, self.neighbours)

    def as_dict(self) -> dict:
        return {"threshold": self.threshold, "refuse_threshold": self.refuse_above, "neighbours": self.neighbours,
                "method": "knn-cosine"}


def knn_scores(x: np.ndarray, bank: np.ndarray, k: int, *, exclude_self: bool = False) -> np.ndarray:
    similarity = x @ bank.T
    if exclude_self:
        np.fill_diagonal(similarity, -np.inf)
    k = max(1, min(k, bank.shape[0] - (1 if exclude_self else 0)))
    top = -np.partition(-similarity, k - 1, axis=1)[:, :k]
    return 1.0 - top.mean(axis=1)


def leave_one_out_scores(x: np.ndarray, neighbours: int = NEIGHBOURS) -> np.ndarray:
    return knn_scores(x, x, neighbours, exclude_self=True)


def calibrate(x: np.ndarray, *, in_class_rate: float = IN_CLASS_RATE, refuse_rate: float = REFUSE_RATE,
              neighbours: int = NEIGHBOURS) -> UnknownDetector:
    scores = leave_one_out_scores(x, neighbours)
    return UnknownDetector(bank=x.astype(np.float32), threshold=in_class_threshold(scores, in_class_rate),
                           neighbours=neighbours, refuse_threshold=in_class_threshold(scores, refuse_rate))


def in_class_threshold(scores: np.ndarray, rate: float) -> float:
    """The score a new ordinary photo exceeds with probability `rate`, from n scores of ordinary photos.

    A new photo's score falls in each of the n + 1 gaps between the sorted scores with equal chance, so the
    threshold sits at position (n + 1) * (1 - rate) of them (numpy's "weibull" quantile), and at the
    highest score when n is too small for that (a chance of 1 / (n + 1) then). The usual interpolation
    (position 1 + (n - 1) * (1 - rate)) sits lower, the more so the fewer photos: on two 2-class sets
    (shirt / t-shirt, glass / plastic; 5 photos a class, 20 splits) it flagged 11-12 % of in-class test
    photos, this 8-10 %, the most possible with 10 photos (measured with `manage.py evaluate --unrelated`).
    """
    if not len(scores):
        return 1.0
    return float(np.quantile(scores, 1.0 - rate, method="weibull"))
