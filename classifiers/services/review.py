"""A person's decisions on flagged photos: keep (and do not flag it again for the same reasons), drop, or
move to the class it really belongs to."""

from __future__ import annotations

from django.db import transaction

from classifiers.models import Example, Label
from classifiers.services.catalog import example_delete
from nanoweb.errors import Conflict, InvalidInput


def example_keep(*, example: Example) -> Example:
    """Clear the photo's flags and remember them as dismissed, so the same doubt is not raised again."""
    dismissed = list(dict.fromkeys([*(example.dismissed_flags or []), *(example.flags or {})]))
    example.flags, example.dismissed_flags = {}, dismissed
    example.save(update_fields=["flags", "dismissed_flags"])
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
    example.label, example.flags = label, {}
    example.save(update_fields=["label", "flags"])
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
