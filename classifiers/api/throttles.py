"""Rate limits: per API key (or signed-in user) for normal calls, per address for making keys by password.

Rates are read from settings on every request (not frozen at import as DRF's default does), so they
follow NANOWEB_API_RATE and NANOWEB_API_KEY_CREATE_RATE and can be lowered in tests.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.request import Request

from accounts.models import ApiKey
from nanoweb.throttling import WindowRateThrottle


class ApiRateThrottle(WindowRateThrottle):
    scope = "api"

    def get_rate(self) -> str:
        return settings.API_RATE

    def get_cache_key(self, request: Request, view: object) -> str:
        if isinstance(request.auth, ApiKey):
            ident = f"key:{request.auth.id}"
        elif request.user is not None and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"addr:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class KeyCreateRateThrottle(WindowRateThrottle):
    """Guessing passwords through key creation is limited per client address."""

    scope = "key_create"

    def get_rate(self) -> str:
        return settings.API_KEY_CREATE_RATE

    def get_cache_key(self, request: Request, view: object) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
