"""A secret shown once, across a POST/redirect/GET: a new API key, a new webhook's signing secret.

The secret crosses the redirect in a short-lived signed cookie, HttpOnly and only sent to the page that shows
it, and that page's view drops it: it never sits in a URL, a log or the session, and reloading the page
neither shows it again nor makes a second one.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse

SECONDS = 120


def secret_carry(response: HttpResponse, *, cookie: str, salt: str, user_id: object, secret: str, path: str) -> None:
    """Put `secret` on the redirect `response` for the page at `path`, for this person only."""
    response.set_signed_cookie(cookie, f"{user_id}:{secret}", salt=salt, max_age=SECONDS, path=path,
                               secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite="Strict")


def secret_carried(request: HttpRequest, *, cookie: str, salt: str) -> str:
    """The secret this request carries for the person signed in, or "" (none, tampered with, or too old)."""
    carried = request.get_signed_cookie(cookie, default="", salt=salt, max_age=SECONDS)
    user_id, _, secret = carried.partition(":")
    return secret if secret and user_id == str(request.user.pk) else ""


def secret_drop(request: HttpRequest, response: HttpResponse, *, cookie: str) -> None:
    """Forget the carried secret once shown; a page showing one is never kept by a cache (Back, reload)."""
    if cookie in request.COOKIES:
        response.delete_cookie(cookie, path=request.path, samesite="Strict")
        response["Cache-Control"] = "no-store"
