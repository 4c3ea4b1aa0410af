"""Find photos of a classifier that show the same picture: the same bytes, or a near-identical look.

The perceptual hash survives resizing and recompression; two different photos of one set were measured 10+
bits apart, a resized copy 0-2 (settings.NEAR_DUPLICATE_DISTANCE sits between).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from classifiers.models import Photo


@dataclass(frozen=True)
class Match:
    photo_id: str
    label_id: str
    label_name: str
    exact: bool
    distance: int


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def find_matches(*, classifier_id, sha256: str, phash: str) -> list[Match]:
    """Every photo of the classifier equal or near-equal to the given hashes, closest first."""
    limit = settings.NEAR_DUPLICATE_DISTANCE
    matches = []
    rows = Photo.objects.filter(label__classifier_id=classifier_id).values_list(
        "id", "label_id", "label__name", "sha256", "phash")
    for photo_id, label_id, label_name, other_sha, other_phash in rows.iterator(chunk_size=2000):
        if other_sha == sha256:
            matches.append(Match(str(photo_id), str(label_id), label_name, True, 0))
        elif phash and other_phash and (distance := hamming(phash, other_phash)) <= limit:
            matches.append(Match(str(photo_id), str(label_id), label_name, False, distance))
    return sorted(matches, key=lambda m: (not m.exact, m.distance))
