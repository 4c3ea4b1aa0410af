"""What page views share besides the lookups of selectors.owned: whether to answer JSON, counts in words,
the version a page was asked to use."""

from __future__ import annotations

from django.http import HttpRequest

from nanoweb.errors import InvalidInput


def wants_json(request: HttpRequest) -> bool:
    """The pages' own scripts ask for JSON; a plain form post gets a redirect."""
    return "application/json" in request.headers.get("Accept", "")


def photos_in_words(n: int) -> str:
    """"1 photo", "3 photos": every sentence that counts photos says it the same way."""
    return f"{n} photo{'' if n == 1 else 's'}"


def version_number_from(value: str | None) -> int | None:
    """The version number a page's `version` field names; None (the active version) when it is empty."""
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise InvalidInput("Choose a version from the list.", details={"field": "version"})
    return int(value)
