"""Small filters for the classifier pages."""

from __future__ import annotations

from django import template

from classifiers.forms import PROVIDER_NAMES

register = template.Library()

SOURCES = {"upload": "your upload", "url": "an image link", "page": "a web page",
           "correction": "an answer you corrected", **PROVIDER_NAMES}


@register.filter
def provider_name(provider: str) -> str:
    return SOURCES.get(provider, provider)


@register.filter
def percent(value: float | None, digits: int = 0) -> str:
    """0.943 → "94%"; nothing for a missing value."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.{int(digits)}f}%"


# Badges that say what the doubt is in words that suggest what to do (drop a copy, move or drop the photo).
FLAG_NAMES = {"duplicate": "Same picture twice", "in_other_class": "Also in another class",
              "outlier": "Looks unlike this class", "misclassified": "Looks like another class"}


@register.filter
def flag_name(kind: str) -> str:
    return FLAG_NAMES.get(kind, kind.replace("_", " ").capitalize())
