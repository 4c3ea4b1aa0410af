"""Errors a person can act on. Services raise these; pages show `message`, the API maps `code` and
`http_status` to its one JSON error shape."""

from __future__ import annotations


class ServiceError(Exception):
    code = "invalid"
    http_status = 400

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
