"""Edited copies of one picture, found in two steps: the frozen features bring a copy and its original
together, and the pixels confirm that one is found inside the other. The four edits a web search's copies
carry (an 80 % crop, half the size at JPEG quality 35, a mirror image, a dark banner) are caught on real
photos; two different photos of one class, however alike, are not merged."""

from __future__ import annotations

import io
import random

import numpy as np
from PIL import Image

from classifiers.management.picture_edits import EDITS
from classifiers.ml.duplicates import (
    CANDIDATE_COSINE,
    SAME_PICTURE_ALIGNMENT,
    Thumbnails,
    alignment,
    near_duplicates,
    same_picture,
    thumbnail,
)
from classifiers.ml.training import represent
from tests.classifiers.conftest import photos

ORIGINALS = [photos("clothing", "hat")[0], photos("clothing", "shoes")[3], photos("trashnet", "glass")[1],
             photos("trashnet", "cardboard")[2]]


def _thumbnail(data: bytes) -> Thumbnails:
    with Image.open(io.BytesIO(data)) as image:
        return thumbnail(image)


def _edited(path) -> dict[str, bytes]:
    return {name: edit(path.read_bytes(), random.Random(n)) for n, (name, edit) in enumerate(EDITS.items())}


def test_each_edit_is_found_inside_its_original_by_the_pixels_both_ways():
    for path in ORIGINALS:
        original = _thumbnail(path.read_bytes())
        for name, data in _edited(path).items():
            copy = _thumbnail(data)
            assert same_picture(original, copy), (path.name, name, alignment(original, copy))
            assert same_picture(copy, original), (path.name, name)


def test_the_features_bring_every_edited_copy_close_enough_to_be_checked(extractor):
    sources = []
    for path in ORIGINALS:
        sources += [path.read_bytes(), *_edited(path).values()]
    x = represent(np.stack(extractor.embed([lambda data=data: data for data in sources]).features))
    pairs = {(i, j) for i, j, _ in near_duplicates(x)}
    step = 1 + len(EDITS)
    for start in range(0, len(sources), step):
        assert {(start, start + k) for k in range(1, step)} <= pairs


def test_different_photos_of_one_class_that_look_alike_are_not_the_same_picture(clothing):
    """Every pair of different test photos the features bring together is told apart by the pixels; the
    closest pairs of each class are checked even when the features keep them apart."""
    x = represent(clothing.features)
    similarity = x @ x.T
    checked = 0
    for label in range(len(clothing.classes)):
        rows = np.flatnonzero(clothing.y == label)
        within = similarity[np.ix_(rows, rows)] - 2 * np.eye(len(rows))
        closest = np.argsort(within, axis=None)[::-1][: 2 * 6 : 2]  # the six most alike pairs (each seen twice)
        candidates = {tuple(sorted((rows[k // len(rows)], rows[k % len(rows)]))) for k in closest}
        candidates |= {(i, j) for i, j, _ in near_duplicates(x) if clothing.y[i] == clothing.y[j] == label}
        for i, j in candidates:
            a, b = (_thumbnail(clothing.paths[k].read_bytes()) for k in (i, j))
            score = alignment(a, b)
            assert score < SAME_PICTURE_ALIGNMENT, (clothing.paths[i].name, clothing.paths[j].name, score)
            checked += 1
    assert checked >= 3 * 6
    assert CANDIDATE_COSINE < 0.9  # wide enough for the edits above; the pixels do the rest


def test_a_flat_picture_matches_nothing_in_particular():
    flat = _thumbnail(_jpeg(Image.new("RGB", (320, 240), (200, 180, 40))))
    detailed = _thumbnail(ORIGINALS[0].read_bytes())
    assert alignment(flat, detailed) < 0.5 and not same_picture(flat, flat)


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def test_a_tall_and_a_wide_picture_are_compared_without_error_and_are_not_the_same():
    with Image.open(ORIGINALS[0]) as image:
        tall = _thumbnail(_jpeg(image.convert("RGB").resize((80, 320))))
        wide = _thumbnail(_jpeg(image.convert("RGB").resize((320, 60))))
    assert not same_picture(tall, wide) and not same_picture(wide, tall)
