"""What page views share besides the lookups of selectors.owned: whether to answer JSON."""

from __future__ import annotations

from django.http import HttpRequest


def wants_json(request: HttpRequest) -> bool:
    """The pages' own scripts ask for JSON; a plain form post gets a redirect."""
    return "application/json" in request.headers.get("Accept", "")
