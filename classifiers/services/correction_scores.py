"""How a newly trained version does on the answers a person corrected since the last training, beside the
version that was answering then: "Of the 7 answers you corrected, the old version got 0 right, this one gets
5". Computed by the training run, stored in the version's metrics["corrections"], shown on its results page.

A corrected photo the new version was trained on (the person kept it) is judged by its cross-validation
answer, from a head that never saw it (training's metrics["misclassified"] lists every such photo it got
wrong); any other corrected photo is answered by the new version itself. "It is none of these" is right when
a version answers "none of these". The old version answers every photo with its own backbone and head.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

import numpy as np
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from classifiers.feature_cache import extractor_for, features_for
from classifiers.ml.predictor import answers_from_features
from classifiers.ml.preprocess import VIEWS
from classifiers.ml.training import TrainedModel
from classifiers.models import Classifier, Correction, ModelVersion
from classifiers.services.prediction import loaded_model

log = logging.getLogger(__name__)


def corrections_since(classifier: Classifier) -> tuple[datetime | None, ModelVersion | None]:
    """(when the newest version stopped counting corrections, that version): the next one counts the
    corrections made after it."""
    newest = classifier.versions.order_by("-number").first()
    if newest is None:
        return None, None
    until = parse_datetime(((newest.metrics or {}).get("corrections") or {}).get("until") or "")
    return until or newest.created_at, newest


def _is_right(answer: dict, target: str | None) -> bool:
    if target is None:
        return bool(answer["unknown"])
    return not answer["unknown"] and answer["label"] == target


def _features(corrections: Sequence[Correction], backbone: str, precision: str) -> list[np.ndarray | None]:
    """Each correction's picture through this backbone: its photo's cached features, else the answer's kept
    JPEG; None when neither can be read."""
    photos = [c.photo for c in corrections if c.photo is not None]
    cached = features_for(photos, backbone=backbone, precision=precision).features if photos else {}
    loose = [c for c in corrections if c.photo is None]
    embedded = extractor_for(backbone, precision).embed([_reader(c) for c in loose], views=VIEWS) if loose else None
    by_loose = {c.id: embedded.features[i] for i, c in enumerate(loose)} if embedded else {}
    return [cached.get(c.photo.id) if c.photo is not None else by_loose.get(c.id) for c in corrections]


def _reader(correction: Correction) -> Callable[[], bytes]:
    def read() -> bytes:
        with correction.prediction.photo.open("rb") as handle:
            return handle.read()

    return read


def _answers(model: TrainedModel, features: list[np.ndarray]) -> list[dict]:
    return answers_from_features(model, np.stack(features)) if features else []


def corrections_score(*, classifier: Classifier, model: TrainedModel, backbone: str, precision: str,
                      trained_on: set, held_out_wrong: set) -> dict:
    """metrics["corrections"] for the version being saved. `trained_on`: ids of the photos it trained on;
    `held_out_wrong`: those its cross-validation got wrong. Reads the old version's model from disk."""
    since, newest = corrections_since(classifier)
    until = timezone.now()
    result: dict = {"until": until.isoformat(), "count": 0}
    corrections = Correction.objects.filter(prediction__classifier=classifier, created_at__lte=until)
    if since is not None:
        corrections = corrections.filter(created_at__gt=since)
    corrections = list(corrections.select_related("photo", "prediction", "label"))
    with_picture = [c for c in corrections if c.photo is not None or c.prediction.photo]
    features = _features(with_picture, backbone, precision)
    judged = [(c, f) for c, f in zip(with_picture, features, strict=True) if f is not None]
    result["without_photo"] = len(corrections) - len(judged)
    if not judged:
        return result
    targets = [c.label.name if c.label else None for c, _ in judged]
    new_answers = _answers(model, [f for _, f in judged])
    new_right = 0
    for (correction, _), target, answer in zip(judged, targets, new_answers, strict=True):
        if correction.photo is not None and correction.photo.id in trained_on:
            new_right += correction.photo.id not in held_out_wrong
        else:
            new_right += _is_right(answer, target)
    result.update(count=len(judged), new_right=new_right,
                  trained_on=sum(c.photo is not None and c.photo.id in trained_on for c, _ in judged))
    old = classifier.active_version or newest
    if old is not None:
        result["old_version"] = old.number
        try:
            old_model = loaded_model(old)
            old_features = _features([c for c, _ in judged], old.backbone, old.precision)
            readable = [(t, f) for t, f in zip(targets, old_features, strict=True) if f is not None]
            old_answers = _answers(old_model, [f for _, f in readable])
            result["old_right"] = sum(_is_right(a, t) for (t, _), a in zip(readable, old_answers, strict=True))
        except Exception:  # the old version's files are gone: its figure is left out, not the training
            log.warning("could not answer the corrected photos with version %s", old.number, exc_info=True)
    return result


def corrections_score_quietly(**kwargs) -> dict | None:
    """corrections_score, or None (logged) when anything fails: the figure never costs a training run."""
    try:
        return corrections_score(**kwargs)
    except Exception:
        log.exception("could not measure the new version on the corrected answers")
        return None
