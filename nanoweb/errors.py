"""Errors a person can act on. Services raise these; pages show `message`, the API maps `code` and
`http_status` to its one JSON error shape."""

from __future__ import annotations

import unicodedata


class ServiceError(Exception):
    code = "invalid"
    http_status = 400
    retry_after: int | None = None  # seconds, sent as Retry-After when the error says "try again later"

    def __init__(self, message: str, *, details: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class InvalidInput(ServiceError):
    code = "invalid"
    http_status = 400


class NotFound(ServiceError):
    code = "not_found"
    http_status = 404


class Conflict(ServiceError):
    code = "conflict"
    http_status = 409


class TooLarge(ServiceError):
    code = "too_large"
    http_status = 413


class UnsupportedMedia(ServiceError):
    code = "unsupported_media_type"
    http_status = 415


class Unavailable(ServiceError):
    """The queue or storage cannot take work right now; nothing was saved."""

    code = "unavailable"
    http_status = 503


# Bidirectional embeddings, overrides and isolates: invisible, and they make a name read differently from
# what it is.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def refuse_invisible_characters(text: str, *, what: str, field: str) -> str:
    """`text` as it is, or InvalidInput when it holds an invisible control character (a bell, an escape, a
    lone surrogate, a direction override): a name people read must show every character it has. White
    space is not refused here; callers collapse it first."""
    for position, char in enumerate(text, start=1):
        if unicodedata.category(char) in ("Cc", "Cs") or char in _BIDI_CONTROLS:
            raise InvalidInput(
                f"The {what} has an invisible control character in it (character {position}). "
                "Type it again without that character.",
                details={"field": field, "character": f"U+{ord(char):04X}", "position": position},
            )
    return text
