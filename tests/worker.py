"""Start real processes for tests: a Celery worker, and `manage.py` commands, with a chosen environment."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

REPO = Path(__file__).resolve().parent.parent


def wait_until(condition, *, timeout: float, what: str = "condition", every: float = 0.05):
    """condition()'s first true value, asked every `every` seconds; fails saying what never happened."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def process_env(**overrides: str | None) -> dict[str, str]:
    """The test process's environment with overrides; a None value removes the variable."""
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "nanoweb.settings")
    # The browser tests allow sync ORM calls inside Playwright's event loop, in this process only; a server or
    # worker started from here must run as in production (check --deploy refuses the flag).
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    # Servers and workers started from a test give new classifiers the engine the test's own process does
    # (tests/conftest.py), and warm that one up.
    env["NANOWEB_BACKBONE"], env["NANOWEB_PRECISION"] = settings.DEFAULT_BACKBONE, settings.DEFAULT_PRECISION
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def database_url_of_test_db() -> str:
    """A URL for the database pytest-django created, so that other processes see the test's rows."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def manage(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
    )


@contextmanager
def celery_worker(
    env: dict[str, str], *, concurrency: int = 1, ready_timeout: float = 90
) -> Iterator[subprocess.Popen]:
    """A real `celery worker` process; yields once it reports ready, and stops it afterwards."""
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "nanoweb", "worker", "--loglevel", "INFO",
         "--concurrency", str(concurrency), "--without-mingle", "--without-gossip"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    output: list[str] = []
    ready = threading.Event()

    def read() -> None:
        for line in process.stdout:  # type: ignore[union-attr]
            output.append(line)
            if " ready." in line:
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + ready_timeout
    while not ready.is_set():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("Celery worker did not start:\n" + "".join(output[-60:]))
        time.sleep(0.1)
    process.output = output  # type: ignore[attr-defined]
    try:
        yield process
    finally:
        stop(process)
        reader.join(timeout=5)


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, a grace period for a clean shutdown, then SIGKILL."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def web_server(env: dict[str, str], *, workers: int = 1, ready_timeout: float = 60) -> Iterator[str]:
    """gunicorn serving NanoWeb on a free loopback port, as `make run` starts it; yields the base URL."""
    import requests

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "nanoweb.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--threads", "4", "--timeout", "120"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(process.stdout), daemon=True)  # type: ignore[arg-type]
    reader.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + ready_timeout
    try:
        while True:
            try:
                if requests.get(f"{base}/health/", timeout=10).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):  # not listening yet, or still importing
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start:\n" + "".join(output[-60:]))
            time.sleep(0.2)
    except BaseException:
        stop(process)  # never leave a server holding the test database open
        raise
    process.output = output  # type: ignore[attr-defined]
    try:
        yield base
    finally:
        stop(process)
        reader.join(timeout=5)


def children_of(pid: int) -> list[int]:
    """The processes whose parent is `pid`, whichever of its threads started them (a Celery worker forks a
    new pool process from a thread of its pool)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        if parent == pid:
            found.append(int(entry.name))
    return found


def process_tree(pid: int) -> list[int]:
    """`pid` and every process below it."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(children_of(current))
    return found


def kill_9(pids: list[int]) -> None:
    import contextlib
    import signal

    for pid in pids:
        with contextlib.suppress(ProcessLookupError):  # it may have died with its parent already
            os.kill(pid, signal.SIGKILL)


@contextmanager
def runall(env: dict[str, str], *, port: int) -> Iterator[subprocess.Popen]:
    """`manage.py runall` (what `make run` starts) as a process; its output is collected in `.output`.
    Everything it started is killed at the end, whatever happened."""
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runall", "--port", str(port)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(process.stdout), daemon=True)  # type: ignore[arg-type]
    reader.start()
    process.output = output  # type: ignore[attr-defined]
    try:
        yield process
    finally:
        started = process_tree(process.pid)[1:]
        stop(process)
        kill_9([pid for pid in started if "nanoweb" in _command_line(pid)])  # a gunicorn or worker left behind
        reader.join(timeout=5)


def _command_line(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""
