"""Stop a management command in one sentence when the database it needs is not there yet.

A person who runs `manage.py checkworker` (or another command that reads the app's tables) without the
NANOWEB_DATA_DIR or DATABASE_URL the app runs with meets an empty database; Django would answer with a
traceback ending in "no such table", and SQLite would create an empty database file on the way.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db import DatabaseError, connections


def database_ready(*, table: str, using: str = "default") -> None:
    """Raise CommandError saying what is wrong unless the database has `table` (a table `migrate` makes)."""
    connection = connections[using]
    sqlite = connection.vendor == "sqlite"
    if sqlite:
        missing = (
            f"This data folder ({settings.DATA_DIR}) has no NanoWeb database yet: run `make run` once, or set "
            "NANOWEB_DATA_DIR to the folder the app uses."
        )
        if not Path(connection.settings_dict["NAME"]).is_file():  # connecting would create an empty one
            raise CommandError(missing)
    else:
        missing = (
            "The database DATABASE_URL names has no NanoWeb tables yet: run `manage.py migrate` (or `make run`) "
            "once with it, or set DATABASE_URL to the database the app uses."
        )
    try:
        tables = connection.introspection.table_names()
    except DatabaseError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CommandError(f"NanoWeb cannot open its database ({reason}): check DATABASE_URL and NANOWEB_DATA_DIR.") \
            from None
    if table not in tables:
        raise CommandError(missing)
