"""What page views share besides the lookups of selectors.owned: whether to answer JSON, counts in words."""

from __future__ import annotations

from django.http import HttpRequest


def wants_json(request: HttpRequest) -> bool:
    """The pages' own scripts ask for JSON; a plain form post gets a redirect."""
    return "application/json" in request.headers.get("Accept", "")


def photos_in_words(n: int) -> str:
    """"1 photo", "3 photos": every sentence that counts photos says it the same way."""
    return f"{n} photo{'' if n == 1 else 's'}"
