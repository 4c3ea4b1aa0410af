"""A person's decisions on flagged photos: keep (and do not flag it again for the same reasons), drop, or
move to the class it really belongs to."""

from __future__ import annotations

from django.db import transaction

from classifiers.models import Label, Photo
from classifiers.services.catalog import photo_delete
from nanoweb.errors import Conflict, InvalidInput


def photo_keep(*, photo: Photo) -> Photo:
    """Clear the photo's flags and remember them as dismissed, so the same doubt is not raised again; a
    photo waiting for review is trained on from now on, and never left out by training's cleaning."""
    dismissed = list(dict.fromkeys([*(photo.dismissed_flags or []), *(photo.flags or {})]))
    photo.flags, photo.flag_scores, photo.dismissed_flags = {}, {}, dismissed
    photo.awaiting_review, photo.looks_like = False, None
    photo.save(update_fields=["flags", "flag_scores", "dismissed_flags", "awaiting_review", "looks_like"])
    return photo


def photo_move(*, photo: Photo, label: Label) -> Photo:
    """Move the photo to another class of the same classifier. Its flags were doubts about the old class,
    so they are cleared; the next training run judges it afresh in its new class."""
    if label.classifier_id != photo.label.classifier_id:
        raise InvalidInput("A photo can only move to a class of the same classifier.", details={"field": "label"})
    if label.id == photo.label_id:
        return photo
    if label.photos.filter(sha256=photo.sha256).exists():
        raise Conflict(f"“{label.name}” already has this picture; drop this copy instead.",
                       details={"field": "label"})
    # Choosing its class is a decision about the photo: it is trained on from now on.
    photo.label, photo.flags, photo.flag_scores, photo.awaiting_review = label, {}, {}, False
    photo.looks_like = None
    photo.save(update_fields=["label", "flags", "flag_scores", "awaiting_review", "looks_like"])
    return photo


REVIEW_ACTIONS = ("keep", "drop", "move")


def photos_review(*, photos: list[Photo], action: str, label: Label | None = None) -> tuple[int, list[str]]:
    """Apply one decision to several photos; returns how many it applied to and why any were skipped."""
    if action not in REVIEW_ACTIONS:
        raise InvalidInput(f"Choose one of: {', '.join(REVIEW_ACTIONS)}.", details={"field": "action"})
    if action == "move" and label is None:
        raise InvalidInput("Choose the class to move the photos to.", details={"field": "label"})
    done, skipped = 0, []
    for photo in photos:
        try:
            with transaction.atomic():
                if action == "keep":
                    photo_keep(photo=photo)
                elif action == "drop":
                    photo_delete(photo=photo)
                else:
                    photo_move(photo=photo, label=label)
            done += 1
        except Conflict as exc:
            skipped.append(exc.message)
    return done, skipped
