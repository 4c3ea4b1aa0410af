"""Small filters for the classifier pages."""

from __future__ import annotations

from django import template

from classifiers.forms import PROVIDER_NAMES

register = template.Library()

SOURCES = {"upload": "your upload", "url": "an image link", "page": "a web page", **PROVIDER_NAMES}


@register.filter
def provider_name(provider: str) -> str:
    return SOURCES.get(provider, provider)


@register.filter
def percent(value: float | None, digits: int = 0) -> str:
    """0.943 → "94%"; nothing for a missing value."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.{int(digits)}f}%"


FLAG_NAMES = {"duplicate": "Near duplicate", "in_other_class": "Also in another class", "outlier": "Outlier",
              "misclassified": "Misclassified"}


@register.filter
def flag_name(kind: str) -> str:
    return FLAG_NAMES.get(kind, kind.replace("_", " ").capitalize())
