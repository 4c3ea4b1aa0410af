"""Embedding a folder's photos for the measuring commands (evaluate, flag_benchmark)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from django.core.management.base import CommandError

from classifiers.ml.preprocess import VIEWS
from classifiers.ml.study import embed_readable


def embed_or_refuse(extractor, paths: list[Path]) -> tuple[np.ndarray, np.ndarray]:
    """(features of the readable photos, their positions in `paths`); none readable stops the command in words."""
    try:
        return embed_readable(extractor, paths, VIEWS)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
