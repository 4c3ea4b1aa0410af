"""The "none of these" score: how far a picture is from every training photo, in the backbone's feature
space (L2-normalised, so similarity is a cosine).

score = 1 - mean cosine similarity to the k nearest training photos. A photo of a class the classifier
knows sits close to some of its training photos; a car shown to a cat-vs-dog classifier sits far from
all of them. The threshold is calibrated on the training photos themselves, each scored against the
others (leave-one-out), so about `in_class_rate` of ordinary photos of known classes are flagged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NEIGHBOURS = 3
# Share of leave-one-out training photos allowed above the threshold; in-class test photos then land
# near it too (held-out photos are scored exactly as the leave-one-out ones were).
IN_CLASS_RATE = 0.05


@dataclass
class UnknownDetector:
    bank: np.ndarray  # [n, d] L2-normalised training representations
    threshold: float
    neighbours: int = NEIGHBOURS

    def scores(self, x: np.ndarray) -> np.ndarray:
        return knn_scores(x, self.bank, self.neighbours)

    def as_dict(self) -> dict:
        return {"threshold": self.threshold, "neighbours": self.neighbours, "method": "knn-cosine"}


def knn_scores(x: np.ndarray, bank: np.ndarray, k: int, *, exclude_self: bool = False) -> np.ndarray:
    similarity = x @ bank.T
    if exclude_self:
        np.fill_diagonal(similarity, -np.inf)
    k = max(1, min(k, bank.shape[0] - (1 if exclude_self else 0)))
    top = -np.partition(-similarity, k - 1, axis=1)[:, :k]
    return 1.0 - top.mean(axis=1)


def leave_one_out_scores(x: np.ndarray, neighbours: int = NEIGHBOURS) -> np.ndarray:
    return knn_scores(x, x, neighbours, exclude_self=True)


def calibrate(x: np.ndarray, *, in_class_rate: float = IN_CLASS_RATE, neighbours: int = NEIGHBOURS) -> UnknownDetector:
    threshold = in_class_threshold(leave_one_out_scores(x, neighbours), in_class_rate)
    return UnknownDetector(bank=x.astype(np.float32), threshold=threshold, neighbours=neighbours)


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
