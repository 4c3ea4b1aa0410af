"""Start the web server and one Celery worker together; Ctrl-C stops both.

`make run` calls this after migrating. Gunicorn serves the pages (static files through whitenoise); the
worker runs training and search jobs. If either process dies, the other is stopped too, so a person never
sees a site whose jobs silently never run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from nanoweb.env import envint, envstr

# Celery warns at length, at every worker start, when it runs as root (the superuser), as it does in many
# containers and on small servers. NanoWeb's worker only takes JSON tasks (never pickle, which is why Celery
# refuses root outright otherwise), so `make run` says once what it means and keeps the warning out of the log.
ROOT_NOTE = (
    "NanoWeb runs as root (the superuser) here: it works, but a program with a flaw could then harm the whole "
    "machine, so a normal user account is safer."
)
QUIET_ROOT_WARNING = "ignore:You're running the worker with superuser privileges"


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and (os.geteuid() == 0 or os.getuid() == 0)


def _joined(existing: str | None, entry: str) -> str:
    return f"{existing},{entry}" if existing else entry


class Command(BaseCommand):
    help = "Start the NanoWeb web server and a Celery worker; Ctrl-C stops both."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default=envstr("NANOWEB_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=settings.PORT)
        parser.add_argument("--web-workers", type=int, default=envint("NANOWEB_WEB_WORKERS", 2, minimum=1))

    def handle(self, *args, host: str, port: int, web_workers: int, **options) -> None:
        web = [
            sys.executable, "-m", "gunicorn", "nanoweb.wsgi:application",
            "--bind", f"{host}:{port}", "--workers", str(web_workers), "--threads", "4",
            "--timeout", "120", "--access-logfile", "-",
        ]
        worker = [
            sys.executable, "-m", "celery", "-A", "nanoweb", "worker", "--loglevel", "INFO",
            "--concurrency", str(settings.CELERY_WORKER_CONCURRENCY),
        ]
        worker_env = None
        if running_as_root():
            self.stdout.write(ROOT_NOTE)
            worker_env = {**os.environ, "PYTHONWARNINGS": _joined(os.environ.get("PYTHONWARNINGS"), QUIET_ROOT_WARNING)}
        processes = {"web": subprocess.Popen(web), "worker": subprocess.Popen(worker, env=worker_env)}
        shown_host = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host  # noqa: S104
        self.stdout.write(self.style.SUCCESS(f"NanoWeb is starting at http://{shown_host}:{port}/  (Ctrl-C stops it)"))
        self.stdout.write(f"Data folder: {settings.DATA_DIR}")

        stopping = False

        def stop(signum, frame) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        exit_code = 0
        while not stopping:
            for name, process in processes.items():
                if process.poll() is not None:
                    self.stderr.write(f"The {name} process stopped (exit code {process.returncode}); stopping NanoWeb.")
                    exit_code = process.returncode or 1
                    stopping = True
                    break
            time.sleep(0.5)
        self._stop_all(processes)
        if exit_code:
            sys.exit(exit_code)

    def _stop_all(self, processes: dict[str, subprocess.Popen]) -> None:
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for name, process in processes.items():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"The {name} process did not stop in time; killing it.")
                process.kill()
                process.wait()
        self.stdout.write("NanoWeb stopped.")
