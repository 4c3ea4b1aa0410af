"""Find photos of a classifier that show the same picture: the same bytes, or a near-identical look.

The perceptual hash survives resizing and recompression; two different photos of one set were measured 10+
bits apart, a resized copy 0-2 (settings.NEAR_DUPLICATE_DISTANCE sits between). The hash of the picture's
mirror image is compared too, so a mirrored copy is refused like a resized one. Crops and banners move the
hash too far: those copies are found once stored, by their features and pixels (services/copies.py).

A picture with almost no detail (one flat colour) has no perceptual hash: its hash would be rounding noise,
and every flat picture would look like every other. Two such pictures are the same when their colours are:
a resized or recompressed copy moves no channel by more than a few levels, two colours a person tells
apart differ by more.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings

from classifiers.models import Photo
from classifiers.services.copies import same_picture_as_stored
from scraper.images import stored_colour

logger = logging.getLogger(__name__)

# Channel levels (0-255) within which two low-detail pictures count as one colour. Measured: a flat colour
# saved as JPEG at quality 90 and resized moves each channel by at most 2.
SAME_COLOUR_LEVELS = 4


@dataclass(frozen=True)
class Match:
    photo_id: str
    label_id: str
    label_name: str
    exact: bool
    distance: int


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def find_matches(*, classifier_id, sha256: str, phash: str,
                 colour: tuple[int, int, int] | None = None, mirror_phash: str = "",
                 jpeg: bytes | None = None) -> list[Match]:
    """Every photo of the classifier equal or near-equal to the given hashes (`mirror_phash`: the picture's
    mirror image, so a mirrored copy matches too; for a low-detail picture, of the given colour), closest
    first. Given the picture's `jpeg`, a close hash counts only when the pixels confirm it."""
    limit = settings.NEAR_DUPLICATE_DISTANCE
    matches = []
    near = []
    low_detail = []
    rows = Photo.objects.filter(label__classifier_id=classifier_id).values_list(
        "id", "label_id", "label__name", "sha256", "phash", "image")
    for photo_id, label_id, label_name, other_sha, other_phash, name in rows.iterator(chunk_size=2000):
        if other_sha == sha256:
            matches.append(Match(str(photo_id), str(label_id), label_name, True, 0))
        elif phash and other_phash and (distance := _closest(other_phash, phash, mirror_phash)) <= limit:
            near.append((Match(str(photo_id), str(label_id), label_name, False, distance), photo_id))
        elif colour is not None and not other_phash:
            low_detail.append((photo_id, label_id, label_name, name))
    if near and jpeg is not None:  # close hashes are confirmed by the pixels (services/copies.py)
        stored = Photo.objects.in_bulk([photo_id for _, photo_id in near])
        near = [(m, photo_id) for m, photo_id in near if same_picture_as_stored(photo=stored[photo_id], jpeg=jpeg)]
    matches += [m for m, _ in near]
    for photo_id, label_id, label_name, name in low_detail:
        other = _colour_of_stored(name)
        if other is not None and (distance := max(abs(a - b) for a, b in zip(colour, other, strict=True))) \
                <= SAME_COLOUR_LEVELS:
            matches.append(Match(str(photo_id), str(label_id), label_name, False, distance))
    return sorted(matches, key=lambda m: (not m.exact, m.distance))


def _closest(stored: str, *hashes: str) -> int:
    return min(hamming(stored, h) for h in hashes if h)


def _colour_of_stored(name: str) -> tuple[int, int, int] | None:
    """Low-detail photos are rare and small once stored (one flat colour compresses to a few KB)."""
    try:
        with Photo._meta.get_field("image").storage.open(name) as file:
            return stored_colour(file.read())
    except OSError:
        logger.warning("A stored photo could not be read to compare its colour: %s", name)
        return None
