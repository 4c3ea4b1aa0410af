"""Start the web server and one Celery worker together, and keep them running; Ctrl-C stops both.

`make run` calls this after migrating. Gunicorn serves the pages (static files through whitenoise); the
worker runs training and search jobs. A process that stops is started again after a pause that grows while
it keeps stopping (1 s, 2 s, 4 s … at most a minute), and the log says so: the site stays up while the
worker is down (the pages say that training is paused meanwhile). A worker that still runs but stopped
taking tasks (its pool processes killed, see classifiers/services/workers.py) is restarted too. Only a
process that exits by itself right after its first start (a port already taken, a setting that is wrong)
stops NanoWeb, since starting it again would not help.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection

from nanoweb.env import envstr

# Celery warns at length, at every worker start, when it runs as root (the superuser), as it does in many
# containers and on small servers. NanoWeb's worker only takes JSON tasks (never pickle, which is why Celery
# refuses root outright otherwise), so `make run` says once what it means and keeps the warning out of the log.
ROOT_NOTE = (
    "NanoWeb runs as root (the superuser) here: it works, but a program with a flaw could then harm the whole "
    "machine, so a normal user account is safer."
)
QUIET_ROOT_WARNING = "ignore:You're running the worker with superuser privileges"

FIRST_START_GRACE = 10.0  # a process that exits by itself sooner after its first start stops NanoWeb
STABLE_AFTER = 60.0  # a process that ran this long before it stopped is restarted after the shortest pause
BACKOFF_MAX = 60.0
STOP_GRACE = 5.0  # seconds a worker being restarted gets to stop (and hand back its messages) before it is killed
REPORT_GRACE = 120.0  # seconds a started worker has to report itself (it loads PyTorch first)


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and (os.geteuid() == 0 or os.getuid() == 0)


def _joined(existing: str | None, entry: str) -> str:
    return f"{existing},{entry}" if existing else entry


def exit_in_words(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"killed by {name}"
    return f"exit code {code}"


@dataclass
class Child:
    """One supervised process and what its restarts have been."""

    name: str  # in the log: "web server", "worker"
    args: list[str]
    env: dict[str, str] | None = None
    process: subprocess.Popen | None = None
    started: float = 0.0
    starts: int = 0
    quick_stops: int = 0  # stops in a row that came soon after a start
    restart_at: float | None = None
    kill_at: float | None = None  # being restarted by the supervisor: killed if still running then
    restart_reason: str = ""

    def start(self) -> None:
        self.process = subprocess.Popen(self.args, env=self.env)
        self.started = time.monotonic()
        self.starts += 1
        self.restart_at = self.kill_at = None

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


class Command(BaseCommand):
    help = "Start the NanoWeb web server and a Celery worker, restarting either when it stops; Ctrl-C stops both."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default=envstr("NANOWEB_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=settings.PORT)
        parser.add_argument("--web-workers", type=int, default=settings.WEB_WORKERS)

    def say(self, message: str) -> None:
        self.stderr.write(message)
        self.stderr.flush()

    def handle(self, *args, host: str, port: int, web_workers: int, **options) -> None:
        self.node = f"celery@{socket.gethostname()}"
        web = Child("web server", [
            sys.executable, "-m", "gunicorn", "nanoweb.wsgi:application",
            "--bind", f"{host}:{port}", "--workers", str(web_workers), "--threads", "4",
            "--timeout", "120", "--access-logfile", "-",
        ])
        worker = Child("worker", [
            sys.executable, "-m", "celery", "-A", "nanoweb", "worker", "--loglevel", "INFO",
            "--concurrency", str(settings.CELERY_WORKER_CONCURRENCY), "--hostname", self.node,
        ])
        if running_as_root():
            self.stdout.write(ROOT_NOTE)
            worker.env = {**os.environ, "PYTHONWARNINGS": _joined(os.environ.get("PYTHONWARNINGS"), QUIET_ROOT_WARNING)}
        self.worker = worker
        children = [web, worker]
        for child in children:
            child.start()
        shown_host = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host  # noqa: S104
        self.stdout.write(self.style.SUCCESS(f"NanoWeb is starting at http://{shown_host}:{port}/  (Ctrl-C stops it)"))
        self.stdout.write(f"Data folder: {settings.DATA_DIR}")
        self.stdout.flush()

        stopping = False

        def stop(signum, frame) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        exit_code = 0
        next_probe = time.monotonic() + settings.RECOVERY_SECONDS
        while not stopping:
            now = time.monotonic()
            for child in children:
                if child.process is None:
                    if child.restart_at is not None and now >= child.restart_at:
                        child.start()
                        self.say(f"Started the {child.name} again.")
                    continue
                if child.kill_at is not None and now >= child.kill_at and child.running():
                    self.say(f"The {child.name} did not stop within {STOP_GRACE:.0f} s; killing it.")
                    child.process.kill()
                    child.kill_at = None
                code = child.process.poll()
                if code is None:
                    continue
                if (child.starts == 1 and now - child.started < FIRST_START_GRACE and code >= 0
                        and not child.restart_reason):  # it exited by itself (not killed): a setup problem
                    self.say(f"The {child.name} stopped right after starting ({exit_in_words(code)}); "
                             "stopping NanoWeb.")
                    exit_code = code or 1
                    stopping = True
                    break
                self._schedule_restart(child, code, now)
            if not stopping and now >= next_probe:
                next_probe = now + settings.RECOVERY_SECONDS
                self._probe(worker, now)
            time.sleep(0.25)
        self._stop_all(children)
        if exit_code:
            sys.exit(exit_code)

    def _schedule_restart(self, child: Child, code: int, now: float) -> None:
        # A restarted process that stops again soon waits longer each time; one that ran a while, 1 s.
        child.quick_stops = child.quick_stops + 1 if child.starts > 1 and now - child.started < STABLE_AFTER else 0
        pause = min(2.0 ** child.quick_stops, BACKOFF_MAX)
        if child.restart_reason:
            self.say(f"The {child.name} stopped; starting it again in {pause:.0f} s.")
        else:
            paused = " The site stays up; training and searches wait until it is back." if child is self.worker else ""
            self.say(f"The {child.name} stopped ({exit_in_words(code)}); starting it again in {pause:.0f} s."
                     f"{paused}")
        child.process, child.restart_at, child.kill_at, child.restart_reason = None, now + pause, None, ""

    def _probe(self, worker: Child, now: float) -> None:
        """Restart the worker when it runs but takes no tasks, or stopped reporting (never waits on the queue)."""
        from classifiers.selectors.workers import GONE, STUCK, worker_by_node

        if not worker.running() or worker.kill_at is not None:
            return
        try:
            view = worker_by_node(self.node)
        except Exception as exc:  # the database is busy or down: the next probe tries again
            self.say(f"Could not check the worker ({type(exc).__name__}: {exc}).")
            return
        finally:
            connection.close()
        if view is None or view.row.pid != worker.process.pid:
            if now - worker.started > REPORT_GRACE:
                self._restart(worker, f"it has not reported for {REPORT_GRACE:.0f} s since it started")
            return
        if view.state in (STUCK, GONE):
            self._restart(worker, view.in_words())

    def _restart(self, child: Child, reason: str) -> None:
        self.say(f"Restarting the {child.name}: {reason}.")
        child.restart_reason = reason
        child.process.send_signal(signal.SIGTERM)
        child.kill_at = time.monotonic() + STOP_GRACE

    def _stop_all(self, children: list[Child]) -> None:
        for child in children:
            if child.running():
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for child in children:
            if child.process is None:
                continue
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say(f"The {child.name} did not stop in time; killing it.")
                child.process.kill()
                child.process.wait()
        self.stdout.write("NanoWeb stopped.")
