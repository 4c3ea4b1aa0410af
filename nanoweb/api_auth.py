"""API keys: create (shown once), revoke, and authenticate `Authorization: Bearer <key>` requests.

Only a SHA-256 of each key is stored (see nanoweb.models.hash_api_key), so a leaked database does not
leak usable keys. The pages and the API both create keys through `api_key_create`.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from nanoweb.errors import InvalidInput, NotFound
from nanoweb.models import ApiKey, hash_api_key, new_api_key

KEYWORD = "Bearer"
PREFIX_LENGTH = 10
MAX_KEYS_PER_USER = 100
# last_used_at is a hint for people tidying their keys, not an audit log: write it at most this often
# so a busy client does not turn every read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def api_key_create(*, user: AbstractBaseUser, name: str = "") -> tuple[ApiKey, str]:
    """Make a key for `user`; returns the row and the secret, which is never retrievable again."""
    name = " ".join(str(name).split())
    if len(name) > 100:
        raise InvalidInput(f"The key name is {len(name)} characters long; keep it to 100.", details={"field": "name"})
    if ApiKey.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_KEYS_PER_USER:
        raise InvalidInput(
            f"You already have {MAX_KEYS_PER_USER} API keys. Revoke some you no longer use first.",
            details={"field": "name"},
        )
    secret = new_api_key()
    key = ApiKey.objects.create(user=user, name=name, prefix=secret[:PREFIX_LENGTH], hashed_key=hash_api_key(secret))
    return key, secret


def api_key_revoke(*, user: AbstractBaseUser, key_id: object) -> None:
    """Revoke one of `user`'s keys. Anyone else's key, or an already revoked one, is simply not found."""
    revoked = ApiKey.objects.filter(id=key_id, user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if revoked != 1:
        raise NotFound("You have no active API key with this id.")


def api_keys_active(*, user: AbstractBaseUser):
    return ApiKey.objects.filter(user=user, revoked_at__isnull=True)


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
