"""Near copies of one picture among a classifier's photos, from frozen features: a crop, a mirror, a
recompressed or resized copy that the perceptual hash (scraper/dedup.py) may miss.

Works on representations x [n, d] (L2-normalised, so a dot product is a cosine).
"""

from __future__ import annotations

import numpy as np

# A resized, mirrored or slightly cropped copy measured 0.94-0.98; the closest two distinct photos of the
# shared clothing set 0.93 (the next pair there, 0.958, is one skirt photographed twice).
DUPLICATE_COSINE = 0.95
BLOCK = 1024  # rows compared at once, so memory stays flat for classifiers with many photos


def near_duplicates(x: np.ndarray, *, cosine: float = DUPLICATE_COSINE) -> list[tuple[int, int, float]]:
    """(i, j, similarity) with i < j for every pair of rows at least `cosine` alike."""
    pairs = []
    for start in range(0, len(x), BLOCK):
        block = x[start : start + BLOCK] @ x.T
        for i, j in zip(*np.nonzero(block >= cosine), strict=True):
            if start + i < j:
                pairs.append((int(start + i), int(j), float(block[i, j])))
    return pairs
