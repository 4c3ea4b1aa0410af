"""Reads of a class's photos: newest first for the classifier page, oldest first (or flagged, by doubt)
for the API, and a set of photos read back in a fixed order."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from uuid import UUID

from django.db.models import QuerySet
from django.utils import timezone

from classifiers.models import Classifier, Label, Photo, PhotoRemoval
from classifiers.selectors.review import by_doubt


def label_photos_newest(label: Label, *, limit: int | None = None) -> list[Photo]:
    """The class's photos, newest first, at most `limit` of them (all without one)."""
    newest = label.photos.select_related("label").order_by("-created_at")
    return list(newest if limit is None else newest[:limit])


def label_photos(label: Label, *, awaiting_review: bool = False, flagged: bool = False) -> QuerySet[Photo] | list:
    """The class's photos oldest first; only those waiting for review, or only the flagged ones (then
    biggest doubts first), when asked."""
    photos = label.photos.order_by("created_at", "id")
    if awaiting_review:
        photos = photos.filter(awaiting_review=True)
    if flagged:
        return by_doubt(photos.exclude(flags={}))
    return photos


def photos_in_order(ids: Iterable[UUID]) -> list[Photo]:
    """The photos among `ids` that still exist, oldest first, with their class."""
    return list(Photo.objects.filter(id__in=list(ids)).select_related("label").order_by("created_at", "id"))


def photo_count(label: Label) -> int:
    return label.photos.count()


# How long removed photos can be put back ("Undo"); services.removals purges them after that.
UNDO_SECONDS = 10 * 60


def photo_removal_undoable(classifier: Classifier, removal_id: object) -> PhotoRemoval | None:
    """A removal of this classifier's photos (already the user's) that "Undo" can still put back, or None."""
    try:
        removal_id = UUID(str(removal_id))
    except ValueError:
        return None
    return PhotoRemoval.objects.filter(
        id=removal_id, classifier=classifier, restored_at=None,
        created_at__gte=timezone.now() - timedelta(seconds=UNDO_SECONDS)).first()
