"""A person's decisions on flagged photos: keep (and do not flag it again for the same reasons), drop, or
move to the class it really belongs to."""

from __future__ import annotations

from django.db import transaction

from classifiers.models import Example, Label
from classifiers.services.catalog import example_delete
from nanoweb.errors import Conflict, InvalidInput


def example_keep(*, example: Example) -> Example:
    """Clear the photo's flags and remember them as dismissed, so the same doubt is not raised again; a
    photo waiting for review is trained on from now on."""
    dismissed = list(dict.fromkeys([*(example.dismissed_flags or []), *(example.flags or {})]))
    example.flags, example.flag_scores, example.dismissed_flags = {}, {}, dismissed
    example.awaiting_review = False
    example.save(update_fields=["flags", "flag_scores", "dismissed_flags", "awaiting_review"])
    return example


def example_move(*, example: Example, label: Label) -> Example:
    """Move the photo to another class of the same classifier. Its flags were doubts about the old class,
    so they are cleared; the next training run judges it afresh in its new class."""
    if label.classifier_id != example.label.classifier_id:
        raise InvalidInput("A photo can only move to a class of the same classifier.", details={"field": "label"})
    if label.id == example.label_id:
        return example
    if label.examples.filter(sha256=example.sha256).exists():
        raise Conflict(f"“{label.name}” already has this picture; drop this copy instead.",
                       details={"field": "label"})
    # Choosing its class is a decision about the photo: it is trained on from now on.
    example.label, example.flags, example.flag_scores, example.awaiting_review = label, {}, {}, False
    example.save(update_fields=["label", "flags", "flag_scores", "awaiting_review"])
    return example


REVIEW_ACTIONS = ("keep", "drop", "move")


def examples_review(*, examples: list[Example], action: str, label: Label | None = None) -> tuple[int, list[str]]:
    """Apply one decision to several photos; returns how many it applied to and why any were skipped."""
    if action not in REVIEW_ACTIONS:
        raise InvalidInput(f"Choose one of: {', '.join(REVIEW_ACTIONS)}.", details={"field": "action"})
    if action == "move" and label is None:
        raise InvalidInput("Choose the class to move the photos to.", details={"field": "label"})
    done, skipped = 0, []
    for example in examples:
        try:
            with transaction.atomic():
                if action == "keep":
                    example_keep(example=example)
                elif action == "drop":
                    example_delete(example=example)
                else:
                    example_move(example=example, label=label)
            done += 1
        except Conflict as exc:
            skipped.append(exc.message)
    return done, skipped
