"""Secrets: the site's own secrets come from the environment, never from the repository (API keys being
kept only as hashes is tested in tests/accounts/test_key_secrets.py)."""

from __future__ import annotations

import json
import re
import subprocess

from tests.worker import REPO, manage, process_env


def test_the_secret_key_database_password_and_storage_keys_are_read_from_the_environment(tmp_path):
    secrets = {
        "NANOWEB_SECRET_KEY": "k" * 30 + "-from-the-environment-not-the-code-0123456789",
        "DATABASE_URL": "postgres://nanoweb:db-password-from-env@db.internal:5432/nanoweb",
        "NANOWEB_S3_BUCKET": "photos",
        "NANOWEB_S3_ACCESS_KEY_ID": "access-id-from-env",
        "NANOWEB_S3_SECRET_ACCESS_KEY": "s3-secret-from-env",
    }
    env = process_env(NANOWEB_DATA_DIR=str(tmp_path), **secrets)
    script = ("import json; from django.conf import settings as s; print(json.dumps([s.SECRET_KEY, "
              "s.DATABASES['default']['PASSWORD'], s.STORAGES['default']['OPTIONS']['access_key'], "
              "s.STORAGES['default']['OPTIONS']['secret_key']]))")
    result = manage("shell", "-c", script, env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        secrets["NANOWEB_SECRET_KEY"], "db-password-from-env", "access-id-from-env", "s3-secret-from-env"]
    assert not (tmp_path / "secret_key").exists()  # given by the environment, none was generated


def test_no_secret_is_committed_and_the_generated_key_stays_out_of_git():
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    secret_files = [path for path in tracked
                    if re.search(r"(^|/)(secret_key|\.env(\..*)?|id_rsa|id_ed25519)$|\.(pem|key|p12)$", path)]
    assert secret_files == []
    # Without NANOWEB_DATA_DIR the data folder, and the secret key NanoWeb generates in it, is var/: ignored.
    ignored = subprocess.run(["git", "check-ignore", "-q", "var/secret_key"], cwd=REPO)
    assert ignored.returncode == 0
    leaks = subprocess.run(
        ["git", "grep", "-nIE", r"BEGIN [A-Z ]*PRIVATE KEY|AKIA[0-9A-Z]{16}|nw_[A-Za-z0-9_-]{43}"],
        cwd=REPO, capture_output=True, text=True)
    assert leaks.stdout == ""
