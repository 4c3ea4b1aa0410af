"""A Content-Security-Policy on every page: scripts only from NanoWeb's own static files.

Names people type are escaped in the templates; this is the second line. Should a name ever reach a page
as markup, an inline <script> or an onerror= attribute in it does not run. The pages have no inline
scripts or event attributes, so nothing of theirs is blocked. /api/ answers JSON, and its docs page
(drf-spectacular's Swagger UI) starts itself with an inline script, so it is left as it is.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",  # style="width: 40%" on bars; styles cannot run code
    "img-src * data: blob:",  # "try it" previews a picture at the address a person pastes
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (response.get("Content-Type", "").startswith("text/html") and not request.path.startswith("/api/")
                and "Content-Security-Policy" not in response):
            response["Content-Security-Policy"] = POLICY
        return response
