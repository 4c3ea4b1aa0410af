"""Heavy one-off builds run in a child process: exporting a backbone to ONNX with PyTorch (onnx_cache.py),
quantizing it to int8 (quantize.py), a version's ONNX download (export.py).

A web process or a worker that exports the backbone itself keeps what the export needed for the rest of its
life: importing PyTorch and exporting took a process from about 130 MB to 670 MB, memory it never gave
back. A child process gives it all back when it exits, so the long-lived processes only ever hold ONNX
Runtime and the file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

# The folder holding the `classifiers` package, so the child imports the same code as its parent.
_ROOT = Path(__file__).resolve().parents[2]

# The child dies with the process that asked (Linux's parent-death signal): a worker stopped while it builds
# a twin must not leave a child quantizing on both cores, and holding gigabytes, after NanoWeb said it stopped.
# The pid check covers a parent that died before the signal was set.
_PROGRAM = """
import ctypes, importlib, json, os, signal, sys
try:
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
except (AttributeError, OSError):
    pass  # not Linux: the child outlives a parent that is killed, as before
if os.getppid() != int(sys.argv[3]):
    sys.exit("the process that asked for this is gone")
module, name = sys.argv[1].split(":")
result = getattr(importlib.import_module(module), name)(*json.loads(sys.argv[2]))
sys.stdout.write("\\n" + json.dumps(result))
"""


class ChildFailed(RuntimeError):
    pass


def run_in_child(function: str, *args: str) -> object:
    """Call `module:function(*args)` in a fresh Python and return what it returned (JSON-able)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_ROOT), env.get("PYTHONPATH", "")]))
    done = subprocess.run(
        [sys.executable, "-c", _PROGRAM, function, json.dumps(list(args)), str(os.getpid())],
        env=env, capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-5:]
        raise ChildFailed(f"{function} failed in a child process (exit {done.returncode}): " + " | ".join(tail))
    return json.loads(done.stdout.rsplit("\n", 1)[-1])
