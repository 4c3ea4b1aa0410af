"""Refuse a request body over the upload limit before any of it is read.

Django checks DATA_UPLOAD_MAX_MEMORY_SIZE for form fields and raw bodies, but streams uploaded files to
disk however large they are. Content-Length is known before the body arrives, so a 50 MB upload is
answered with 413 at once instead of after the whole file has been written to a temporary file.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse


def too_large_message(length: int) -> str:
    limit_mb = settings.MAX_UPLOAD_BYTES / (1024 * 1024)
    return (
        f"The request is {length / (1024 * 1024):.1f} MB; the limit is {limit_mb:g} MB. "
        "Send fewer or smaller files at a time."
    )


class RequestSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_UPLOAD_BYTES:
            return self.refuse(request, length)
        return self.get_response(request)

    @staticmethod
    def refuse(request: HttpRequest, length: int) -> HttpResponse:
        message = too_large_message(length)
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse(
                {
                    "error": {
                        "code": "too_large",
                        "message": message,
                        "details": {"limit_bytes": settings.MAX_UPLOAD_BYTES},
                    }
                },
                status=413,
            )
        else:
            response = HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return response
