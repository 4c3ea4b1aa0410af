"""Flags on a classifier's photos, from their frozen features: near duplicates, the same picture in two
classes, off-topic outliers; and, handed over by a training run, photos its cross-validation took for
another class.

flags_refresh runs at the end of every training run and of every web search, and after photos are
uploaded or imported (so an odd photo is flagged before the first training). It embeds the photos that
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
from django.db import transaction
from django.db.models import Q

from classifiers.feature_cache import features_for
from classifiers.ml.outliers import outliers
from classifiers.ml.preprocess import VIEWS
from classifiers.ml.training import represent
from classifiers.models import Classifier, Photo, PhotoFeature
from classifiers.selectors.review import DEFAULT_SCORES, DUPLICATE, IN_OTHER_CLASS, MISCLASSIFIED, OUTLIER
from classifiers.services.copies import same_picture_pairs

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


def _feature_flags(photos: list[Photo], x: np.ndarray) -> dict[int, dict[str, tuple[float, str]]]:
    """row → {kind: (score, reason)} for the kinds flags_refresh owns."""
    labels = sorted({e.label_id for e in photos}, key=str)
    index = {label_id: i for i, label_id in enumerate(labels)}
    names = {e.label_id: e.label.name for e in photos}
    y = np.array([index[e.label_id] for e in photos], dtype=np.int64)
    found = _same_picture_flags(photos, x)
    for row, item in outliers(x, y, [names[label_id] for label_id in labels]).items():
        found.setdefault(row, {})[OUTLIER] = (item.score, item.reason)
    return found


def _same_picture_flags(photos: list[Photo], x: np.ndarray) -> dict[int, dict[str, tuple[float, str]]]:
    """row → {kind: (score, reason)} for the duplicate and in-another-class kinds."""
    found: dict[int, dict[str, tuple[float, str]]] = {}
    # Examples arrive oldest first, so in a same-class pair the later copy is the one flagged.
    for i, j in sorted(same_picture_pairs(photos, x)):
        first, second = photos[i], photos[j]
        if first.label_id == second.label_id:
            found.setdefault(j, {})[DUPLICATE] = (
                DEFAULT_SCORES[DUPLICATE], f"nearly the same picture as {_name(first)!r}, added before it")
        else:
            for row, other in ((i, second), (j, first)):
                found.setdefault(row, {})[IN_OTHER_CLASS] = (
                    DEFAULT_SCORES[IN_OTHER_CLASS], f"the same picture is also in {other.label.name!r}")
    return found


SAME_PICTURE_KINDS = (DUPLICATE, IN_OTHER_CLASS)


def _stored_features(photos: list[Photo], backbone: str) -> np.ndarray:
    """Representations of the photos from the feature cache only (nothing is embedded here: a removal must
    stay quick); a photo with no stored features gets a zero row, which is alike to nothing."""
    rows = {
        row.photo_id: represent(np.frombuffer(bytes(row.vectors), dtype=np.float32).reshape(1, row.views, row.dim))[0]
        for row in PhotoFeature.objects.filter(photo__in=photos, backbone=backbone, views=len(VIEWS))
    }
    dim = next((len(v) for v in rows.values()), 1)
    return np.stack([rows.get(e.id, np.zeros(dim, dtype=np.float32)) for e in photos]) if photos else np.zeros((0, 1))


def photos_sharing_picture(*, photo: Photo) -> list[uuid.UUID]:
    """The photos whose duplicate or in-another-class flag may be about `photo`: flagged so, and showing the
    same picture (equal bytes, close hashes or alike features)."""
    flagged = list(
        Photo.objects.filter(label__classifier_id=photo.label.classifier_id)
        .filter(Q(flags__has_key=DUPLICATE) | Q(flags__has_key=IN_OTHER_CLASS))
        .exclude(id=photo.id).select_related("label").order_by("created_at", "id")
    )
    if not flagged:
        return []
    both = [photo, *flagged]
    pairs = same_picture_pairs(both, _stored_features(both, photo.label.classifier.backbone))
    return [both[j].id for i, j in pairs if i == 0]


def same_picture_flags_recheck(*, classifier: Classifier, photo_ids: Iterable[uuid.UUID]) -> int:
    """Judge the duplicate and in-another-class flags of these photos against the classifier's photos as
    they are now: a flag whose other copy is gone goes, one whose copy is still there is reworded. Nothing
    new is raised here (that is flags_refresh's work). Returns how many photos changed."""
    photo_ids = set(photo_ids)
    if not photo_ids:
        return 0
    photos = list(Photo.objects.filter(label__classifier=classifier).select_related("label")
                  .order_by("created_at", "id"))
    found = _same_picture_flags(photos, _stored_features(photos, classifier.backbone))
    now = {photos[row].id: kinds for row, kinds in found.items()}
    changed = []
    with transaction.atomic():
        for photo in Photo.objects.select_for_update().filter(id__in=photo_ids, label__classifier=classifier):
            flags, scores = dict(photo.flags or {}), dict(photo.flag_scores or {})
            for kind in SAME_PICTURE_KINDS:
                if kind not in flags:
                    continue
                if kind in now.get(photo.id, {}):
                    flags[kind] = now[photo.id][kind][1]
                else:
                    flags.pop(kind)
                    scores.pop(kind, None)
            if flags != (photo.flags or {}) or scores != (photo.flag_scores or {}):
                photo.flags, photo.flag_scores = flags, scores
                changed.append(photo)
        Photo.objects.bulk_update(changed, ["flags", "flag_scores"])
    return len(changed)


def flags_refresh(
    *,
    classifier: Classifier,
    misclassified: dict[uuid.UUID, tuple[float, str]] | None = None,
    judged: Iterable[uuid.UUID] = (),
    looks_like: dict[uuid.UUID, uuid.UUID] | None = None,
) -> FlagsRefreshed:
    """Recompute the feature flags of every photo of the classifier. A training run passes `misclassified`
    (photo id → (confidence, reason)) for the photos its cross-validation `judged`: those photos get
    exactly those misclassified flags, and `looks_like` (photo id → label id) the class each looks like,
    which the review page offers to move it to; other photos keep theirs."""
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
        for photo in current.only("id", "label_id", "flags", "flag_scores", "dismissed_flags", "looks_like_id"):
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
            suggestion = photo.looks_like_id
            if MISCLASSIFIED in kinds:  # judged again: the class it looks like goes with its flag
                suggestion = (looks_like or {}).get(photo.id) if MISCLASSIFIED in flags else None
            if (flags != (photo.flags or {}) or scores != (photo.flag_scores or {})
                    or suggestion != photo.looks_like_id):
                photo.flags, photo.flag_scores, photo.looks_like_id = flags, scores, suggestion
                written.append(photo)
        Photo.objects.bulk_update(written, ["flags", "flag_scores", "looks_like"], batch_size=500)
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


def flags_refresh_after_adding(*, label, added: int) -> FlagsRefreshed | None:
    """After photos were uploaded or imported: judge them now, so an odd one is flagged before the first
    training. Only the new photos go through the network (the others' features are cached)."""
    if not added:
        return None
    return flags_refresh_quietly(classifier=label.classifier)
