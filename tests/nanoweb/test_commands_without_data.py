"""A command run against a data folder the app never ran in (another NANOWEB_DATA_DIR, a fresh clone) says in
one sentence what is wrong — no traceback, no "no such table" — and creates no folder or file there. (The
default data folder, the repository's ./var, is one such folder on a fresh clone.)"""

from __future__ import annotations

import pytest

from tests.worker import manage, process_env

SENTENCE = "has no NanoWeb database yet: run `make run` once, or set NANOWEB_DATA_DIR to the folder the app uses."


def files_under(folder) -> list:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


def said_in_one_sentence(result, folder) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr and "no such table" not in result.stderr, result.stderr
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0] == f"CommandError: This data folder ({folder}) {SENTENCE}"


@pytest.mark.parametrize("command", [["checkworker", "--timeout", "2"], ["bench_downloads", "--save", "--count", "2"]])
def test_a_command_on_a_data_folder_that_does_not_exist_says_so_and_creates_nothing(tmp_path, command):
    missing = tmp_path / "elsewhere"
    env = process_env(NANOWEB_DATA_DIR=str(missing), DATABASE_URL=None, CELERY_BROKER_URL=None, NANOWEB_CACHE_URL=None)
    result = manage(*command, env=env)
    if command[0] == "checkworker":
        assert not missing.exists()
    said_in_one_sentence(result, missing)


def test_checkworker_on_an_empty_data_folder_says_so_and_leaves_it_empty(tmp_path):
    env = process_env(NANOWEB_DATA_DIR=str(tmp_path), DATABASE_URL=None, CELERY_BROKER_URL=None, NANOWEB_CACHE_URL=None)
    result = manage("checkworker", "--timeout", "2", env=env)
    said_in_one_sentence(result, tmp_path)
    assert files_under(tmp_path) == []

