"""What a newcomer meets before the app starts: `make run` says first that the first start takes minutes and
GB, installs only what running needs (requirements.txt), and `make test` / `make lint` add the tools of
requirements-dev.txt. The README names only paths that exist in the repository and points nowhere outside it.

The Makefile runs in a copy of it with a stand-in Python, so nothing is installed."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.worker import REPO

README = (REPO / "README.md").read_text()
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
REPO_PATH = r"^(\./)?(tests|benchmarks|docs|classifiers|scraper|nanoweb|accounts|static|templates)/"
TEST_TOOLS = {"pytest", "pytest-django", "pytest-timeout", "playwright", "schemathesis", "ruff", "import-linter",
              "cleanlab"}  # cleanlab: flag_benchmark compares NanoWeb with it

# The stand-in for python3 and for .venv/bin/python: `-m venv DIR` makes DIR with stand-ins in it; every call
# is written to calls.log, so the test sees what was installed and run.
STAND_IN = """#!/bin/sh
echo "$0 $*" >> "{log}"
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
  echo "CREATING VENV"
  mkdir -p "$3/bin"
  cp "$0" "$3/bin/python"; cp "$0" "$3/bin/ruff"; cp "$0" "$3/bin/lint-imports"
fi
exit 0
"""


def requirement_names(path: Path) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.add(re.split(r"[=<>\[ ;]", line, maxsplit=1)[0].lower())
    return names


def test_requirements_txt_holds_only_what_running_needs_and_the_dev_file_pins_the_tools():
    running = requirement_names(REPO / "requirements.txt")
    assert "django" in running and "torch" in running
    assert not running & TEST_TOOLS, f"test tools in requirements.txt: {running & TEST_TOOLS}"
    dev = REPO / "requirements-dev.txt"
    assert requirement_names(dev) == TEST_TOOLS
    for line in dev.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            assert re.fullmatch(r"[A-Za-z0-9_.\[\]-]+==[0-9][0-9A-Za-z.]*", line), f"not pinned: {line}"


@pytest.fixture
def makefile_copy(tmp_path) -> tuple[Path, Path]:
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    for name in ("Makefile", "requirements.txt", "requirements-dev.txt"):
        shutil.copy(REPO / name, tmp_path / name)
    log = tmp_path / "calls.log"
    python = tmp_path / "fake-python3"
    python.write_text(STAND_IN.format(log=log))
    python.chmod(0o755)
    return tmp_path, python


def make(folder: Path, python: Path, target: str) -> str:
    result = subprocess.run(["make", "--no-print-directory", target, f"PYTHON={python}", "TEST_DATABASE_URL=x"],
                            cwd=folder, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_the_first_make_run_says_it_takes_minutes_and_gb_before_it_builds_anything(makefile_copy):
    folder, python = makefile_copy
    out = make(folder, python, "run")
    warning = re.search(r"^First start: .*PyTorch.*few minutes.*GB.*$", out, re.MULTILINE)
    assert warning, out
    assert warning.start() < out.index("CREATING VENV")
    calls = (folder / "calls.log").read_text()
    assert "pip install -r requirements.txt" in calls
    assert "requirements-dev.txt" not in calls  # running never installs the test tools
    assert "manage.py runall" in calls

    again = make(folder, python, "run")
    assert "First start" not in again and "CREATING VENV" not in again


@pytest.mark.parametrize("target", ["lint", "test"])
def test_make_lint_and_make_test_add_the_dev_tools(makefile_copy, target):
    folder, python = makefile_copy
    make(folder, python, target)
    calls = (folder / "calls.log").read_text().splitlines()
    installs = [line.split("pip install -r ", 1)[1] for line in calls if "pip install -r" in line]
    assert installs == ["requirements.txt", "requirements-dev.txt"]
    assert any(line.endswith("ruff check .") for line in calls)
    assert any(line.rstrip().endswith("bin/lint-imports") for line in calls)  # the layout's import contracts


def test_no_doc_points_at_a_file_a_user_does_not_have():
    for doc in DOCS:
        text = doc.read_text()
        assert "DESIGN.md" not in text, doc
        outside = re.findall(r"(?<![.\w])\.\./[\w.-]+", text)  # ../shared/..., not an elided "id.../"
        assert not outside, f"{doc.name} names paths outside the repository: {outside}"
        for target in re.findall(r"\]\(([^)#]+)\)", text):  # Markdown links to files
            if not re.match(r"[a-z]+://", target):
                assert (doc.parent / target).exists(), f"{doc.name} links to {target}, which is not in the repository"


def test_every_repository_path_the_readme_commands_name_exists():
    commands = [line for block in re.findall(r"```sh\n(.*?)```", README, re.DOTALL) for line in block.splitlines()]
    commands += re.findall(r"`([^`\n]*(?:manage\.py|benchmarks/)[^`\n]*)`", README)
    named = set()
    for command in commands:
        for word in command.split():
            word = word.strip("'\"`,;()")
            if re.match(REPO_PATH, word) or word in ("manage.py", "requirements.txt", "requirements-dev.txt"):
                named.add(word)
    assert {"manage.py", "benchmarks/predict_load.py", "tests/data/engine/clothing"} <= named, named
    for path in named:
        assert (REPO / path).exists(), f"the README's commands name {path}, which is not in the repository"


def test_the_readme_lists_each_setting_once_and_documents_the_mail_settings():
    rows = re.findall(r"^\| `([A-Z_]+)`", README, re.MULTILINE)
    assert len(rows) == len(set(rows)), sorted({row for row in rows if rows.count(row) > 1})
    for name in ("NANOWEB_EMAIL_HOST", "NANOWEB_DEFAULT_FROM_EMAIL"):
        assert f"`{name}`" in README
    for name in ("_PORT", "_USER", "_PASSWORD", "_USE_TLS"):
        assert name in README


def test_the_readme_says_web_search_needs_internet_and_where_the_api_page_is():
    assert re.search(r"web search[^.]*needs (internet|an internet connection)", README, re.IGNORECASE)
    assert re.search(r"\*\*API\*\* tab", README)


def test_the_readme_says_the_first_start_takes_minutes_where_it_gives_the_commands():
    commands = README.index("## The two commands")
    section = README[commands:README.index("\n## ", commands + 1)]
    assert re.search(r"first `make run`[^.]*few minutes[^.]*GB", section, re.IGNORECASE | re.DOTALL), section
