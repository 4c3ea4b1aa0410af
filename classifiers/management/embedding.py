"""A folder's photos for the measuring commands (evaluate, flag_benchmark, benchmark): embedded, or checked
readable, with the unreadable ones left out and named."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from django.core.management.base import CommandError

from classifiers.ml.preprocess import VIEWS, ImageError, open_rgb
from classifiers.ml.study import embed_readable


def embed_or_refuse(extractor, paths: list[Path]) -> tuple[np.ndarray, np.ndarray]:
    """(features of the readable photos, their positions in `paths`); none readable stops the command in words."""
    try:
        return embed_readable(extractor, paths, VIEWS)
    except ValueError as exc:
        raise CommandError(str(exc)) from None


def decodable(paths: Sequence[Path], *, min_side: int, max_pixels: int, threads: int) -> np.ndarray:
    """Positions in `paths` of the photos that decode, checked the way the app decodes them (a damaged file
    or a decompression bomb in a folder is left out, not a reason to stop)."""

    def reads(path: Path) -> bool:
        try:
            open_rgb(path, min_side=min_side, max_pixels=max_pixels)
        except ImageError:
            return False
        return True

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return np.flatnonzero(list(pool.map(reads, paths)))


def left_out_line(unreadable: Sequence[Path]) -> str:
    """'left out 2 photos that could not be read: a.jpg, b.png' (at most five named)."""
    shown = ", ".join(str(path) for path in unreadable[:5]) + (", ..." if len(unreadable) > 5 else "")
    return f"left out {len(unreadable)} photos that could not be read: {shown}"
