"""Authenticate `Authorization: Bearer <key>` API requests (keys are made in accounts.services).

Only a SHA-256 of each key is stored (see accounts.models.hash_api_key): a request's key is hashed and looked up.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from accounts.models import ApiKey, hash_api_key

KEYWORD = "Bearer"
# last_used_at is a hint for people tidying their keys, not an audit log: write it at most this often
# so a busy client does not turn every read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiKeyAuthentication(BaseAuthentication):
    """`Authorization: Bearer nw_...`. Listed first, so unauthenticated API calls get 401 with a
    WWW-Authenticate header rather than DRF's 403."""

    def authenticate(self, request: Request) -> tuple[AbstractBaseUser, ApiKey] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].decode(errors="replace").lower() != KEYWORD.lower():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "The Authorization header must be 'Bearer <key>', with the key and nothing else after 'Bearer'."
            )
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("This API key is not valid.") from None
        key = (
            ApiKey.objects.select_related("user")
            .filter(hashed_key=hash_api_key(secret), revoked_at__isnull=True)
            .first()
        )
        if key is None or not key.user.is_active:
            raise exceptions.AuthenticationFailed("This API key is not valid: it is mistyped, revoked or unknown.")
        self._touch(key)
        return key.user, key

    def authenticate_header(self, request: Request) -> str:
        return f'{KEYWORD} realm="api"'

    @staticmethod
    def _touch(key: ApiKey) -> None:
        now = timezone.now()
        if key.last_used_at is not None and now - key.last_used_at < LAST_USED_RESOLUTION:
            return
        # Conditional, so concurrent requests with one key write once.
        ApiKey.objects.filter(id=key.id).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
        ).update(last_used_at=now)
        key.last_used_at = now
