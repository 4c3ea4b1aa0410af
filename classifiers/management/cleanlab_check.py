"""cleanlab's `find_label_issues`, the maintained tool the benchmarks measure NanoWeb's flags against: given
the very out-of-fold probabilities NanoWeb's own flags start from, so the two differ only in how they read
them. cleanlab is a test tool (requirements-dev.txt), not something the app needs."""

from __future__ import annotations

import numpy as np
from django.core.management.base import CommandError

MISSING_CLEANLAB = ("cleanlab is not installed, so there is nothing to compare with: install the test tools "
                    "with `.venv/bin/pip install -r requirements-dev.txt` (cleanlab==2.9.0), then run this again")


def require_cleanlab() -> None:
    """Stops the command in one sentence when cleanlab is missing (before any long work starts)."""
    try:
        import cleanlab  # noqa: F401
    except ImportError:
        raise CommandError(MISSING_CLEANLAB) from None


def cleanlab_issues(probabilities: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Mask [n] of the photos cleanlab's find_label_issues (its defaults) takes for label mistakes, from
    out-of-fold probabilities [n, k] and the classes the photos are filed under [n]."""
    from cleanlab.filter import find_label_issues

    return np.asarray(find_label_issues(labels=np.asarray(y, dtype=np.int64), pred_probs=probabilities), dtype=bool)
