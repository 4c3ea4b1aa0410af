"""A worker process pays its one-time start-up costs as it starts, not in the first training it runs.

Measured in a fresh process on the 2-core machine: importing PyTorch takes about 1.3 s, and the first
torch.optim optimiser another 1.0 s (PyTorch loads its compiler stack then); opening the backbone's ONNX
Runtime session about 0.5 s more. Without this, the first person to press Train after a worker started
waited those seconds on top of the training itself.

The work runs in a daemon thread of each worker process, so the process takes tasks at once: a task that
arrives meanwhile simply waits on the same imports. A failure here is logged and otherwise ignored; the
first training then pays the cost, as it did before.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings

log = logging.getLogger(__name__)


def warm_up_training(backbone: str, precision: str = "float") -> float:
    """Import PyTorch, build one optimiser and open `backbone`'s ONNX session in `precision` (exporting it, and
    quantizing it for int8, if the cache has none); returns the seconds it took."""
    started = time.perf_counter()
    import torch  # the point of this function: loaded here, before a training needs it

    from classifiers.feature_cache import extractor_for

    torch.optim.LBFGS([torch.zeros(1, requires_grad=True)])
    extractor_for(backbone, precision)
    return time.perf_counter() - started


def _warm_up_quietly() -> None:
    try:
        seconds = warm_up_training(settings.DEFAULT_BACKBONE, settings.DEFAULT_PRECISION)
    except Exception:  # never let the warm-up take a worker down; the first training will pay instead
        log.exception("warming up for training failed")
        return
    log.info("ready to train: PyTorch and the %s %s backbone loaded in %.1f s", settings.DEFAULT_BACKBONE,
             settings.DEFAULT_PRECISION, seconds)


def warm_up_in_background() -> None:
    """Called in each new worker process (the worker_process_init signal, wired in nanoweb/celery.py)."""
    threading.Thread(target=_warm_up_quietly, name="nanoweb-warm-up", daemon=True).start()
