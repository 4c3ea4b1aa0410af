"""ApiKey moved from the nanoweb app to accounts by migration state only: its table, nanoweb_apikey, is the
same one, so a key made before the move is read through accounts.models.ApiKey and still authenticates."""

from __future__ import annotations

import hashlib

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from rest_framework.test import APIClient, APIRequestFactory

from accounts.authentication import ApiKeyAuthentication
from accounts.models import ApiKey, hash_api_key, new_api_key

# The migration state just before the move: ApiKey in nanoweb's 0001, no accounts migration applied.
BEFORE_THE_MOVE = [("nanoweb", "0001_initial"), ("accounts", None)]
PASSWORD = "correct-horse-battery-9"


def migrate(targets=None):
    """Migrate the test database to `targets` (all apps' latest migrations when None); the state there."""
    executor = MigrationExecutor(connection)
    return executor.migrate(targets or executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_a_key_made_before_the_move_is_read_and_authenticates_after_it():
    try:
        before = migrate(BEFORE_THE_MOVE).apps
        assert "accounts" not in {config.label for config in before.get_app_configs()}
        historical_user = before.get_model("auth", "User")
        historical_key = before.get_model("nanoweb", "ApiKey")
        ada = historical_user.objects.create(username="ada", email="ada@example.org", password=make_password(PASSWORD))
        secret = new_api_key()
        # The hash the code before the move stored, computed here rather than with today's helper.
        hashed = hashlib.sha256(secret.encode()).hexdigest()
        old = historical_key.objects.create(user_id=ada.pk, name="made before", prefix=secret[:10], hashed_key=hashed)

        migrate()

        assert ApiKey._meta.db_table == "nanoweb_apikey"
        key = ApiKey.objects.select_related("user").get(id=old.id)
        assert (key.name, key.prefix, key.user.username, key.revoked_at) == ("made before", secret[:10], "ada", None)
        assert key.hashed_key == hash_api_key(secret)
        assert key.user.check_password(PASSWORD)

        request = APIRequestFactory().get("/api/v1/auth/keys/", HTTP_AUTHORIZATION=f"Bearer {secret}")
        user, authenticated_key = ApiKeyAuthentication().authenticate(request)
        assert (user.pk, authenticated_key.pk) == (ada.pk, old.id)
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        response = api.get("/api/v1/auth/keys/")
        assert response.status_code == 200, response.content
        assert [row["id"] for row in response.json()["results"]] == [str(old.id)]
    finally:
        migrate()
