"""The feature cache: each photo is embedded once per backbone and precision (PhotoFeature) and reused by
every run.

A training run asks for the features of its photos; only those with no stored features for this
backbone, precision (and this set of views) go through the network.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings

from classifiers.ml.backbones import FLOAT
from classifiers.ml.extract import OnnxExtractor, onnx_extractor
from classifiers.ml.preprocess import VIEWS
from classifiers.models import Photo, PhotoFeature


@dataclass
class CachedFeatures:
    features: dict  # photo id → float32 [views, dim]
    precision: str  # what the features were computed with (float when the int8 twin was refused)
    embedded: int = 0  # how many went through the network in this call
    unreadable: dict = field(default_factory=dict)  # photo id → reason


def extractor_for(backbone: str, precision: str = FLOAT, *, answering: bool = False) -> OnnxExtractor:
    """`answering`: for a web process answering predictions beside the others, with its share of the cores
    (ANSWER_THREADS) and no busy-waiting (see OnnxExtractor); else one that owns the cores while it embeds a
    training set."""
    return onnx_extractor(
        backbone,
        precision=precision,
        cache_dir=settings.FEATURE_CACHE_DIR,
        threads=settings.ANSWER_THREADS if answering else settings.ENGINE_THREADS,
        max_pixels=settings.IMAGE_MAX_PIXELS,
        spinning=not answering,
    )


def feature_key(backbone: str, precision: str) -> str:
    """PhotoFeature.backbone: float features keep the bare name they had before int8 existed."""
    return backbone if precision == FLOAT else f"{backbone}/{precision}"


def _reader(photo: Photo) -> Callable[[], bytes]:
    def read() -> bytes:
        with photo.image.open("rb") as handle:
            return handle.read()

    return read


def features_for(
    photos: Sequence[Photo],
    *,
    backbone: str,
    precision: str = FLOAT,
    on_progress: Callable[[int, int], None] | None = None,
) -> CachedFeatures:
    # The extractor is opened first: it says which precision really runs (an int8 twin that failed its check
    # gives float), and the cache must never mix the two in one run.
    extractor = extractor_for(backbone, precision)
    key = feature_key(backbone, extractor.precision)
    ids = [photo.id for photo in photos]
    stored = {
        row.photo_id: np.frombuffer(bytes(row.vectors), dtype=np.float32).reshape(row.views, row.dim)
        for row in PhotoFeature.objects.filter(photo_id__in=ids, backbone=key, views=len(VIEWS))
    }
    missing = [photo for photo in photos if photo.id not in stored]
    result = CachedFeatures(features=stored, precision=extractor.precision)
    if not missing:
        return result
    # Rows from an older set of views are replaced below.
    PhotoFeature.objects.filter(photo__in=missing, backbone=key).delete()
    embedded = extractor.embed([_reader(e) for e in missing], views=VIEWS, on_progress=on_progress)
    rows = []
    for position, photo in enumerate(missing):
        vectors = embedded.features[position]
        if vectors is None:
            result.unreadable[photo.id] = embedded.errors.get(position, "could not be read")
            continue
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        result.features[photo.id] = vectors
        rows.append(
            PhotoFeature(
                photo=photo,
                backbone=key,
                views=vectors.shape[0],
                dim=vectors.shape[1],
                vectors=vectors.tobytes(),
            )
        )
    # Another run may have embedded the same photos meanwhile: the unique constraint keeps one row each.
    PhotoFeature.objects.bulk_create(rows, ignore_conflicts=True)
    result.embedded = len(rows)
    return result
