"""API keys: only a SHA-256 of each key is stored, so a leaked database does not leak usable keys."""

from __future__ import annotations

import hashlib
import secrets
import uuid

from django.conf import settings
from django.db import models

API_KEY_PREFIX = "nw_"


def hash_api_key(key: str) -> str:
    # Keys are long random strings, so a fast hash is enough; only the hash is stored.
    return hashlib.sha256(key.encode()).hexdigest()


def new_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


class ApiKey(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100, blank=True)
    # The first characters, shown in lists so a person can tell keys apart without the secret.
    prefix = models.CharField(max_length=12)
    hashed_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The table the model had when it lived in the nanoweb app (moved state-only, see migrations).
        db_table = "nanoweb_apikey"
        ordering = ["-created_at"]
