#!/usr/bin/env python
import os
import sys

# Commands that use what `make run` made (its database, its queue) and must not create a data folder where
# there is none: each says in a sentence what is wrong instead (nanoweb/datafolder.py).
USE_AN_EXISTING_DATA_FOLDER = {"checkworker"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nanoweb.settings")
    if len(sys.argv) > 1 and sys.argv[1] in USE_AN_EXISTING_DATA_FOLDER:
        os.environ["NANOWEB_DATA_DIR_MUST_EXIST"] = "1"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
