"""`make run` as root (many containers and small servers): one sentence says what it means, and Celery's
multi-line "superuser privileges" warning stays out of the log."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.core.management import call_command

from nanoweb.management.commands import runall

# Celery's own check, in a process that believes it is root (this test may run as anyone).
CELERY_ROOT_CHECK = (
    "import os; os.getuid = os.geteuid = lambda: 0; os.getgid = os.getegid = lambda: 0\n"
    "from celery.platforms import check_privileges; check_privileges({'application/json'})"
)


def celery_root_check(env_extra: dict[str, str]) -> str:
    env = {"PATH": "/usr/bin:/bin", **env_extra}
    return subprocess.run([sys.executable, "-c", CELERY_ROOT_CHECK], capture_output=True, text=True, env=env,
                          timeout=60, check=True).stderr


def test_the_filter_runall_gives_the_worker_silences_celerys_root_warning_and_only_it():
    assert "superuser privileges" in celery_root_check({})  # what floods the log without it
    assert celery_root_check({"PYTHONWARNINGS": runall.QUIET_ROOT_WARNING}) == ""


class FinishedProcess:
    """Stands in for gunicorn and the worker: records how it was started, and has already stopped."""

    started: list[dict] = []

    def __init__(self, args, env=None) -> None:
        self.args, self.env, self.returncode = args, env, 0
        FinishedProcess.started.append({"args": args, "env": env})

    def poll(self):
        return 0

    def wait(self, timeout=None):
        return 0

    def send_signal(self, signum) -> None:
        pass


@pytest.mark.parametrize("root", [True, False])
def test_runall_says_once_what_running_as_root_means_and_starts_the_worker_without_the_warning(monkeypatch, capsys,
                                                                                               root):
    FinishedProcess.started = []
    monkeypatch.setattr(runall.subprocess, "Popen", FinishedProcess)
    monkeypatch.setattr(runall, "running_as_root", lambda: root)
    monkeypatch.setenv("PYTHONWARNINGS", "default::DeprecationWarning")
    with pytest.raises(SystemExit):  # the stand-ins "stopped" at once, so runall stops too
        call_command("runall", port=8123)
    out = capsys.readouterr().out
    worker = next(p for p in FinishedProcess.started if "celery" in p["args"])
    if root:
        assert out.count("runs as root") == 1
        assert worker["env"]["PYTHONWARNINGS"] == f"default::DeprecationWarning,{runall.QUIET_ROOT_WARNING}"
    else:
        assert "root" not in out
        assert worker["env"] is None  # the worker inherits the environment as it is


def test_a_process_that_keeps_stopping_is_started_again_after_longer_and_longer_pauses():
    command = runall.Command()
    command.worker = None
    child = runall.Child("web server", ["gunicorn"], starts=1, started=100.0)
    pauses = []
    for _ in range(8):  # each start stops 5 s later
        command._schedule_restart(child, -9, child.started + 5)
        pauses.append(child.restart_at - (child.started + 5))
        child.starts += 1
    assert pauses == [1, 2, 4, 8, 16, 32, 60, 60]
    command._schedule_restart(child, 1, child.started + 300)  # it ran five minutes before it stopped
    assert child.restart_at == child.started + 301


def test_the_log_says_how_a_process_stopped():
    assert runall.exit_in_words(-9) == "killed by SIGKILL"
    assert runall.exit_in_words(3) == "exit code 3"
