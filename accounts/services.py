"""Account workflows: sign-up, and API keys: create (shown once), revoke, list the active ones.

Only a SHA-256 of each key is stored (see accounts.models.hash_api_key), so a leaked database does not
leak usable keys. The pages and the API both create keys through `api_key_create`.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from accounts.models import ApiKey, hash_api_key, new_api_key
from nanoweb.errors import InvalidInput, NotFound, refuse_invisible_characters

PREFIX_LENGTH = 10
MAX_KEYS_PER_USER = 100


def user_create(*, username: str, email: str, password: str) -> AbstractBaseUser:
    return get_user_model().objects.create_user(username=username, email=email, password=password)


def api_key_create(*, user: AbstractBaseUser, name: str = "") -> tuple[ApiKey, str]:
    """Make a key for `user`; returns the row and the secret, which is never retrievable again."""
    name = " ".join(str(name).split())
    if len(name) > 100:
        raise InvalidInput(f"The key name is {len(name)} characters long; keep it to 100.", details={"field": "name"})
    refuse_invisible_characters(name, what="key name", field="name")
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
