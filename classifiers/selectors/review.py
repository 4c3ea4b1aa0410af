"""Reads for reviewing photos: the kinds of flags, how strongly a photo's flags doubt it, and the photos a
person should look at, biggest doubts first.

The kinds and their default strengths live here, below the services, because both sides need them:
services.flags writes flags of these kinds, and the review lists here sort by them.
"""

from __future__ import annotations

from django.db.models import Q

from classifiers.models import Classifier, Photo

DUPLICATE, IN_OTHER_CLASS, OUTLIER, MISCLASSIFIED = "duplicate", "in_other_class", "outlier", "misclassified"
KINDS = (IN_OTHER_CLASS, DUPLICATE, MISCLASSIFIED, OUTLIER)
# Strength of a flag with no measured score: a picture in two classes is wrong in at least one of them.
DEFAULT_SCORES = {IN_OTHER_CLASS: 1.0, DUPLICATE: 0.9, MISCLASSIFIED: 0.6, OUTLIER: 0.5}


def doubt(photo: Photo) -> float:
    """The strongest doubt among the photo's flags, 0 when it has none."""
    scores = photo.flag_scores or {}
    return max((float(scores.get(kind, DEFAULT_SCORES.get(kind, 0.5))) for kind in photo.flags or {}), default=0.0)


def by_doubt(photos) -> list[Photo]:
    """Biggest doubts first; equal doubts oldest first, so the order is stable between two reads."""
    return sorted(photos, key=lambda e: (-doubt(e), e.created_at, str(e.id)))


def photos_to_review(*, classifier: Classifier, kind: str | None = None) -> list[Photo]:
    """The photos a person should look at, biggest doubts first: flagged ones by the strength of their
    strongest flag, then the ones waiting for review without a flag, oldest first."""
    photos = Photo.objects.filter(label__classifier=classifier).select_related("label", "looks_like")
    photos = photos.filter(flags__has_key=kind) if kind else photos.exclude(Q(flags={}) & Q(awaiting_review=False))
    return by_doubt(photos)
