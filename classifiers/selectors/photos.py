"""Reads of a class's photos: newest first for the classifier page, oldest first (or flagged, by doubt)
for the API, and a set of photos read back in a fixed order."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from django.db.models import QuerySet

from classifiers.models import Label, Photo
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
