"""The API's one error shape, `{"error": {"code", "message", "details"?}}`, for every failure.

Services raise nanoweb.errors.ServiceError subclasses; DRF raises its own exceptions; Django raises a
few of its own for oversized requests. All of them end here and leave as that one shape.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

from nanoweb.errors import ServiceError
from nanoweb.middleware import too_large_message

logger = logging.getLogger(__name__)

# DRF exception class -> our code, for the ones whose default code is not already a good name.
_API_EXCEPTION_CODES: dict[type[exceptions.APIException], str] = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.ParseError: "parse_error",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.Throttled: "rate_limited",
}


def error_body(code: str, message: str, details: dict | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return {"error": error}


def error_response(
    status: int, code: str, message: str, details: dict | None = None, headers: dict[str, str] | None = None
) -> Response:
    set_rollback()
    return Response(error_body(code, message, details), status=status, headers=headers)


def _plain(detail: Any) -> Any:
    """DRF error details (ErrorDetail strings in nested dicts and lists) as plain JSON values."""
    if isinstance(detail, dict):
        return {str(key): _plain(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_plain(item) for item in detail]
    return str(detail)


def _field_messages(detail: Any, path: str = "") -> list[str]:
    """'labels.1: Not a valid string.' for each leaf, so the message names the field and says why."""
    if isinstance(detail, dict):
        messages: list[str] = []
        for key, value in detail.items():
            name = "" if key == "non_field_errors" else str(key)
            messages += _field_messages(value, f"{path}.{name}" if path and name else path or name)
        return messages
    if isinstance(detail, list):
        messages = []
        for item in detail:
            messages += _field_messages(item, path)
        return messages
    return [f"{path}: {detail}" if path else str(detail)]


def _validation_error(exc: exceptions.ValidationError) -> Response:
    detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
    messages = _field_messages(detail)
    message = " ".join(m if m.endswith(".") else m + "." for m in messages[:5]) or "The request is not valid."
    return error_response(400, "invalid", message, {"fields": _plain(detail)})


def _api_exception(exc: exceptions.APIException) -> Response:
    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    code = _API_EXCEPTION_CODES.get(type(exc)) or str(exc.default_code)
    message = str(exc.detail)
    details = None
    if isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait or 1)
        headers["Retry-After"] = str(wait)
        if str(exc.detail).startswith("Request was throttled"):  # DRF's words: say it plainly instead
            message = f"Too many requests. Try again in {wait} second{'s' if wait != 1 else ''}."
        details = {"retry_after": wait}
    elif isinstance(exc, exceptions.NotAuthenticated):
        message = "Send an API key: 'Authorization: Bearer <key>'. Make one with POST /api/v1/auth/keys/."
    elif isinstance(exc, exceptions.ParseError):
        message = f"The request body could not be read: {exc.detail}"
    return error_response(exc.status_code, code, message, details, headers)


def exception_handler(exc: Exception, context: dict) -> Response:
    if isinstance(exc, ServiceError):
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
        return error_response(exc.http_status, exc.code, exc.message, exc.details, headers)
    if isinstance(exc, RequestDataTooBig):
        return error_response(
            413,
            "too_large",
            too_large_message(settings.MAX_UPLOAD_BYTES + 1),
            {"limit_bytes": settings.MAX_UPLOAD_BYTES},
        )
    if isinstance(exc, TooManyFilesSent):
        return error_response(
            400,
            "too_many_files",
            f"Too many files in one request; send at most {settings.DATA_UPLOAD_MAX_NUMBER_FILES} at a time.",
        )
    if isinstance(exc, TooManyFieldsSent):
        return error_response(400, "too_many_fields", "Too many form fields in one request.")
    if isinstance(exc, Http404):
        return error_response(404, "not_found", "Not found.")
    if isinstance(exc, DjangoPermissionDenied):
        return error_response(403, "permission_denied", str(exc) or "Not allowed.")
    if isinstance(exc, exceptions.ValidationError):
        return _validation_error(exc)
    if isinstance(exc, exceptions.APIException):
        return _api_exception(exc)
    view = context.get("view")
    logger.exception("Unhandled error in API view %s", type(view).__name__ if view else "?", exc_info=exc)
    return error_response(500, "server_error", "Something went wrong on our side. It has been logged.")


@csrf_exempt  # a POST to a wrong address is a 404, not a CSRF failure page
def api_not_found(request: HttpRequest, *args: object, **kwargs: object) -> JsonResponse:
    """Any /api/ path that matches no route (including malformed ids) answers in the same JSON shape."""
    return JsonResponse(error_body("not_found", f"There is no API endpoint at {request.path}."), status=404)
