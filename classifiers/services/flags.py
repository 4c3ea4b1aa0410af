"""Flags on a classifier's photos, from their frozen features: near duplicates, the same picture in two
classes, off-topic outliers; and, handed over by a training run, photos its cross-validation took for
another class.

flags_refresh runs at the end of every training run and of every web search. It embeds the photos that
have no features yet (the feature cache makes the others free), judges all photos of the classifier
together, and rewrites its kinds of flags with a short reason and a strength each. A flag a person
dismissed by keeping the photo is never raised again for it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.db import transaction

from classifiers.feature_cache import features_for
from classifiers.ml.duplicates import near_duplicates
from classifiers.ml.outliers import outliers
from classifiers.ml.training import represent
from classifiers.models import Classifier, Photo
from classifiers.selectors.review import DEFAULT_SCORES, DUPLICATE, IN_OTHER_CLASS, MISCLASSIFIED, OUTLIER

log = logging.getLogger(__name__)

# Kinds flags_refresh owns: recomputed from scratch each time. Misclassified only when a run hands its
# verdicts over (a search changes nothing about what cross-validation saw).
FEATURE_KINDS = (DUPLICATE, IN_OTHER_CLASS, OUTLIER)


@dataclass
class FlagsRefreshed:
    photos: int = 0
    flagged: dict[str, int] = field(default_factory=dict)  # kind → photos carrying it after the refresh
    changed: int = 0
    unreadable: int = 0


def _name(photo: Photo) -> str:
    return photo.original_name or photo.title or str(photo.id)[:8]


def _same_picture_pairs(photos: list[Photo], x: np.ndarray) -> set[tuple[int, int]]:
    """Index pairs (i < j) showing the same picture: equal bytes, perceptual hashes within
    NEAR_DUPLICATE_DISTANCE bits, or features at least DUPLICATE_COSINE alike."""
    pairs = {(i, j) for i, j, _ in near_duplicates(x)}
    hashes = [(i, int(e.phash, 16)) for i, e in enumerate(photos) if e.phash]
    if len(hashes) > 1:
        rows = np.array([i for i, _ in hashes])
        values = np.array([h for _, h in hashes], dtype=np.uint64)
        for a in range(len(values)):
            close = np.bitwise_count(values[a] ^ values[a + 1 :]) <= settings.NEAR_DUPLICATE_DISTANCE
            pairs.update((int(rows[a]), int(rows[a + 1 + b])) for b in np.flatnonzero(close))
    by_sha: dict[str, int] = {}
    for i, photo in enumerate(photos):
        if photo.sha256 in by_sha:
            pairs.add((by_sha[photo.sha256], i))
        else:
            by_sha[photo.sha256] = i
    return pairs


def _feature_flags(photos: list[Photo], x: np.ndarray) -> dict[int, dict[str, tuple[float, str]]]:
    """row → {kind: (score, reason)} for the kinds flags_refresh owns."""
    labels = sorted({e.label_id for e in photos}, key=str)
    index = {label_id: i for i, label_id in enumerate(labels)}
    names = {e.label_id: e.label.name for e in photos}
    y = np.array([index[e.label_id] for e in photos], dtype=np.int64)
    found: dict[int, dict[str, tuple[float, str]]] = {}
    for row, item in outliers(x, y, [names[label_id] for label_id in labels]).items():
        found.setdefault(row, {})[OUTLIER] = (item.score, item.reason)
    # Examples arrive oldest first, so in a same-class pair the later copy is the one flagged.
    for i, j in sorted(_same_picture_pairs(photos, x)):
        first, second = photos[i], photos[j]
        if first.label_id == second.label_id:
            found.setdefault(j, {})[DUPLICATE] = (
                DEFAULT_SCORES[DUPLICATE], f"nearly the same picture as {_name(first)!r}, added before it")
        else:
            for row, other in ((i, second), (j, first)):
                found.setdefault(row, {})[IN_OTHER_CLASS] = (
                    DEFAULT_SCORES[IN_OTHER_CLASS], f"the same picture is also in {other.label.name!r}")
    return found


def flags_refresh(
    *,
    classifier: Classifier,
    misclassified: dict[uuid.UUID, tuple[float, str]] | None = None,
    judged: Iterable[uuid.UUID] = (),
) -> FlagsRefreshed:
    """Recompute the feature flags of every photo of the classifier. A training run passes `misclassified`
    (photo id → (confidence, reason)) for the photos its cross-validation `judged`: those photos get
    exactly those misclassified flags; other photos keep theirs."""
    photos = list(
        Photo.objects.filter(label__classifier=classifier).select_related("label").order_by("created_at", "id")
    )
    result = FlagsRefreshed(photos=len(photos))
    if not photos:
        return result
    cached = features_for(photos, backbone=classifier.backbone, precision=classifier.precision)
    result.unreadable = len(cached.unreadable)
    readable = [e for e in photos if e.id in cached.features]
    found: dict[uuid.UUID, dict[str, tuple[float, str]]] = {}
    if readable:
        x = represent(np.stack([cached.features[e.id] for e in readable]))
        found = {readable[row].id: kinds for row, kinds in _feature_flags(readable, x).items()}
    judged = set(judged)
    for photo_id, verdict in (misclassified or {}).items():
        found.setdefault(photo_id, {})[MISCLASSIFIED] = verdict

    # Written against the rows as they are at the end, locked: a photo kept meanwhile does not get back a
    # flag it dismissed, one moved to another class is judged there next time, and flags of kinds this
    # refresh does not own (another writer's) are left as they are now.
    with transaction.atomic():
        current = Photo.objects.select_for_update().filter(id__in=[e.id for e in photos])
        before = {e.id: e.label_id for e in photos}
        written = []
        for photo in current.only("id", "label_id", "flags", "flag_scores", "dismissed_flags"):
            if before.get(photo.id) != photo.label_id:
                continue
            kinds = FEATURE_KINDS if photo.id in cached.features else ()  # unreadable: leave them
            if misclassified is not None and photo.id in judged:
                kinds += (MISCLASSIFIED,)
            flags = {k: v for k, v in (photo.flags or {}).items() if k not in kinds}
            scores = {k: v for k, v in (photo.flag_scores or {}).items() if k in flags}
            dismissed = set(photo.dismissed_flags or [])
            for kind, (score, reason) in found.get(photo.id, {}).items():
                if kind in kinds and kind not in dismissed:
                    flags[kind], scores[kind] = reason, round(float(score), 3)
            for kind in flags:
                result.flagged[kind] = result.flagged.get(kind, 0) + 1
            if flags != (photo.flags or {}) or scores != (photo.flag_scores or {}):
                photo.flags, photo.flag_scores = flags, scores
                written.append(photo)
        Photo.objects.bulk_update(written, ["flags", "flag_scores"], batch_size=500)
    result.changed = len(written)
    return result


def flags_refresh_quietly(*, classifier: Classifier, **kwargs) -> FlagsRefreshed | None:
    """flags_refresh for callers whose own work must not fail because of it (a finished search or run):
    any error is logged and None returned."""
    try:
        return flags_refresh(classifier=classifier, **kwargs)
    except Exception:
        log.exception("could not refresh the flags of classifier %s", classifier.id)
        return None
