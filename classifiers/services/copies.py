"""Which photos of a classifier show the same picture: equal bytes, or an edited copy (a crop, a mirror
image, a smaller recompressed copy, a banner) that alike features or perceptual hashes within
NEAR_DUPLICATE_DISTANCE bits bring forward and the pixels confirm (classifiers/ml/duplicates.py): hashes
alone merged two different photos of one class on the shared clothing set (one skirt photographed twice).

Used by the flags (a duplicate in one class, the same picture in two) and by training, whose
cross-validation keeps the copies of one picture in one fold: a copy tested by a model trained on its
original would flatter the accuracy it reports.

A photo's file never changes, so its thumbnail and the verdict on a pair are kept in this process and
reused by the next refresh (each search and each training refreshes the flags of the whole classifier).
"""

from __future__ import annotations

import io
import logging
import threading
import uuid
from collections import OrderedDict

import numpy as np
from django.conf import settings
from PIL import Image, UnidentifiedImageError

from classifiers.ml.duplicates import CLOSE, Thumbnails, alignment, bar, near_duplicates, thumbnail
from classifiers.models import Photo

log = logging.getLogger(__name__)

THUMBNAILS_KEPT = 2048  # about 130 KB each
VERDICTS_KEPT = 200_000
_thumbnails: OrderedDict[uuid.UUID, Thumbnails | None] = OrderedDict()
_verdicts: dict[tuple[uuid.UUID, uuid.UUID], float] = {}  # the pair's alignment
_lock = threading.Lock()  # web processes refresh flags from several threads


def _thumbnail(photo: Photo) -> Thumbnails | None:
    with _lock:
        if photo.id in _thumbnails:
            _thumbnails.move_to_end(photo.id)
            return _thumbnails[photo.id]
    try:
        with photo.image.open("rb") as file, Image.open(file) as image:
            image.draft("L", (CLOSE.side, CLOSE.side))  # a big JPEG decoded at a fraction of its size: quick
            pixels = thumbnail(image)
    except (OSError, ValueError, UnidentifiedImageError):
        log.warning("A stored photo could not be read to compare it with its look-alikes: %s", photo.image.name)
        pixels = None
    with _lock:
        _thumbnails[photo.id] = pixels
        if len(_thumbnails) > THUMBNAILS_KEPT:
            _thumbnails.popitem(last=False)
    return pixels


def _compared(a: Thumbnails | None, b: Thumbnails | None, what: str) -> float:
    """Their alignment; −1 when either cannot be read or the comparison fails."""
    if a is None or b is None:
        return -1.0
    try:
        return alignment(a, b)
    except Exception:  # a check that fails must not stop an upload, a search or a training: not the same
        log.exception("could not compare %s", what)
        return -1.0


def _verdict(first: Photo, second: Photo, *, hashes_close: bool) -> bool:
    key = (first.id, second.id) if str(first.id) < str(second.id) else (second.id, first.id)
    score = _verdicts.get(key)
    if score is None:
        score = _compared(_thumbnail(first), _thumbnail(second), f"photos {first.id} and {second.id}")
        with _lock:
            if len(_verdicts) >= VERDICTS_KEPT:
                _verdicts.clear()
            _verdicts[key] = score
    return score >= bar(hashes_close=hashes_close)


def same_picture_as_stored(*, photo: Photo, jpeg: bytes) -> bool:
    """Whether a picture about to be added (normalised JPEG bytes) shows the same picture as a stored photo
    whose perceptual hash is close: two different photos of one product can hash within a few bits."""
    try:
        with Image.open(io.BytesIO(jpeg)) as image:
            new = thumbnail(image)
    except (OSError, ValueError, UnidentifiedImageError):
        return False
    return _compared(new, _thumbnail(photo), f"a new picture with photo {photo.id}") >= bar(hashes_close=True)


def same_picture_pairs(photos: list[Photo], x: np.ndarray) -> set[tuple[int, int]]:
    """Index pairs (i < j) of `photos` showing the same picture; x [n, d] their representations (a zero
    row for a photo without features: it is alike to nothing)."""
    # Alike features or close hashes make a candidate; the pixels confirm it.
    candidates = {(i, j) for i, j, _ in near_duplicates(x)}
    hashed = set()  # pairs whose perceptual hashes are close too
    hashes = [(i, int(e.phash, 16)) for i, e in enumerate(photos) if e.phash]
    if len(hashes) > 1:
        rows = np.array([i for i, _ in hashes])
        values = np.array([h for _, h in hashes], dtype=np.uint64)
        for a in range(len(values)):
            close = np.bitwise_count(values[a] ^ values[a + 1 :]) <= settings.NEAR_DUPLICATE_DISTANCE
            hashed.update((int(rows[a]), int(rows[a + 1 + b])) for b in np.flatnonzero(close))
    # Equal bytes are one picture without looking, and the pixels of a file held several times are compared
    # once, through its first photo: each look takes tens of milliseconds, and a class can hold the same
    # file many times (equal files have equal features and hashes, so their pairs are candidates alike).
    pairs: set[tuple[int, int]] = set()
    by_sha: dict[str, int] = {}
    for i, photo in enumerate(photos):
        if photo.sha256 in by_sha:
            pairs.add((by_sha[photo.sha256], i))
        else:
            by_sha[photo.sha256] = i
    first = [by_sha[photo.sha256] for photo in photos]
    looked: dict[tuple[int, int], bool] = {}
    for i, j in candidates | hashed:
        a, b = sorted((first[i], first[j]))
        if a == b:
            continue
        if (a, b) not in looked:
            looked[a, b] = _verdict(photos[a], photos[b], hashes_close=(i, j) in hashed)
        if looked[a, b]:
            pairs.add((i, j))
    return pairs


def picture_groups(photos: list[Photo], x: np.ndarray) -> np.ndarray:
    """int [n]: the same number for photos showing one picture (copies of copies included), else their own."""
    parent = list(range(len(photos)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in same_picture_pairs(photos, x):
        parent[root(j)] = root(i)
    return np.array([root(i) for i in range(len(photos))], dtype=np.int64)
