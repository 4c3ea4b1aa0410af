"""What a real image search returns for each class, built from a folder of `<class>/<photos>`: right photos,
look-alikes (photos of the other classes of the same set), unrelated photos (from another folder) and
edited copies of the class's own right photos (picture_edits.py), shuffled together. Photos kept out of
every result are the test photos: the benchmark measures accuracy on them alone.

Each class's photos are split once per seed: `right` of them are served in its own results, `lookalikes`
are served in the other classes' results (each class receives as many as it gives), the rest are never
served. No file is served twice except as an edited copy, so any duplicate the app finds is a copy.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from classifiers.management.commons_standin import Listing
from classifiers.management.picture_edits import EDITS

RIGHT, LOOKALIKE, UNRELATED, COPY = "right", "lookalike", "unrelated", "copy"
# The search, for sets of 60 photos a class: 40 right, 8 look-alikes, 5 unrelated, 6 copies.
DEFAULT_SHARES = {RIGHT: 40, LOOKALIKE: 8, UNRELATED: 5, COPY: 6}
DEFAULT_CLASS_SIZE = 60
MIN_TEST = 2


@dataclass(frozen=True)
class Served:
    """The truth about one file in the results."""

    kind: str  # RIGHT, LOOKALIKE, UNRELATED or COPY
    label: str  # the class whose results list it
    picture: str  # which picture it shows: the source file's path (a copy: its original's)
    edit: str = ""  # COPY: the edit's name


@dataclass
class WebMix:
    results: dict[str, list[Listing]]  # class name → its results, best first
    truth: dict[str, Served]  # file name → what it is
    test_paths: list[Path] = field(default_factory=list)
    test_labels: list[str] = field(default_factory=list)


def counts_for(smallest_class: int, **given: int | None) -> dict[str, int]:
    """The issue's numbers, scaled down for folders with fewer than 60 photos a class; `given` overrides."""
    scale = min(1.0, smallest_class / DEFAULT_CLASS_SIZE)
    counts = {kind: max(1, round(n * scale)) for kind, n in DEFAULT_SHARES.items()}
    counts.update({kind: n for kind, n in given.items() if n is not None})
    return counts


def web_mix(paths: list[Path], y: np.ndarray, classes: list[str], unrelated: list[Path], *, counts: dict[str, int],
            seed: int) -> WebMix:
    """Raises ValueError in words when the folders are too small for `counts`."""
    rng = np.random.default_rng(seed)
    edit_rng = random.Random(seed)
    right_n, lookalike_n, copy_n = counts[RIGHT], counts[LOOKALIKE], counts[COPY]
    need = right_n + lookalike_n + MIN_TEST
    short = [f"{name} ({int(np.sum(y == i))})" for i, name in enumerate(classes) if np.sum(y == i) < need]
    if short:
        raise ValueError(f"every class needs {need} photos for {right_n} right, {lookalike_n} look-alikes and "
                         f"{MIN_TEST} test photos; too few in {', '.join(short)}")
    if copy_n > right_n:
        raise ValueError(f"{copy_n} copies a class need as many right photos; there are {right_n}")
    if counts[UNRELATED] * len(classes) > len(unrelated):
        raise ValueError(f"{counts[UNRELATED]} unrelated photos for each of {len(classes)} classes need "
                         f"{counts[UNRELATED] * len(classes)}; the unrelated folder has {len(unrelated)}")

    mix = WebMix(results={}, truth={})
    entries: dict[str, list[tuple[str, Path, bytes | None, str]]] = {name: [] for name in classes}
    for c, name in enumerate(classes):
        rows = rng.permutation(np.flatnonzero(y == c))
        right = [paths[r] for r in rows[:right_n]]
        entries[name] += [(RIGHT, path, None, "") for path in right]
        # Look-alikes go round the other classes so that each receives lookalike_n of them.
        for j, r in enumerate(rows[right_n:right_n + lookalike_n]):
            receiver = classes[(c + 1 + j % (len(classes) - 1)) % len(classes)]
            entries[receiver].append((LOOKALIKE, paths[r], None, ""))
        edits = [list(EDITS)[k % len(EDITS)] for k in rng.permutation(copy_n)]
        for k, original in enumerate(rng.choice(len(right), size=copy_n, replace=False)):
            path = right[original]
            entries[name].append((COPY, path, EDITS[edits[k]](path.read_bytes(), edit_rng), edits[k]))
        for r in rows[right_n + lookalike_n:]:
            mix.test_paths.append(paths[r])
            mix.test_labels.append(name)
    strangers = rng.permutation(len(unrelated))
    for c, name in enumerate(classes):
        taken = strangers[c * counts[UNRELATED]:(c + 1) * counts[UNRELATED]]
        entries[name] += [(UNRELATED, unrelated[r], None, "") for r in taken]

    for c, name in enumerate(classes):
        listings = []
        slug = f"{c:02d}-" + "-".join(name.lower().split())  # the number keeps "Hat" and "hat" apart
        for position, k in enumerate(rng.permutation(len(entries[name]))):
            kind, path, body, edit = entries[name][k]
            body = body if body is not None else path.read_bytes()
            file_name = f"{slug}-{position:03d}.jpg"
            with Image.open(path if kind != COPY else io.BytesIO(body)) as image:
                width, height = image.size
            listings.append(Listing(name=file_name, body=body, width=width, height=height,
                                    title=f"{name} photo {position}"))
            mix.truth[file_name] = Served(kind=kind, label=name, picture=str(path), edit=edit)
        mix.results[name] = listings
    return mix
