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
    loo = leave_one_out_scores(x, neighbours)
    threshold = float(np.quantile(loo, 1.0 - in_class_rate)) if len(loo) else 1.0
    return UnknownDetector(bank=x.astype(np.float32), threshold=threshold, neighbours=neighbours)
