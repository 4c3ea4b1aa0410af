""""Label these next": the logged answers whose photos would teach the classifier the most if a person said what
they are, most useful first (the ranking is the engine's, classifiers/ml/label_next.py, measured by
`manage.py label_next_benchmark`).

Candidates are among the newest answers (RECENT) with a kept photo that nobody has corrected yet: the least
sure ones by the log's own margin and "none of these" (UNSURE of them), and the newest others (NEWEST), where
two versions may disagree although the one in use was sure. Their photos go through the backbone once per
backbone and precision (PredictionFeature keeps the features, which is why this is a service and not a
selector); then the version in use and the one before it answer them, and the engine ranks them, near-copies
pushed down.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from classifiers.feature_cache import extractor_for, feature_key
from classifiers.ml.label_next import DISAGREEMENT, UNKNOWN, doubts, most_useful_first, reasons
from classifiers.ml.preprocess import VIEWS
from classifiers.ml.training import represent
from classifiers.models import Classifier, ModelVersion, Prediction, PredictionFeature
from classifiers.services.prediction import loaded_model

log = logging.getLogger(__name__)

RECENT = 5000
UNSURE = 40
NEWEST = 20
QUEUE_LENGTH = 20
# Below this margin between its two most likely classes an answer is said to hesitate between them.
HESITATED = 0.5


@dataclass(frozen=True)
class ToLabel:
    """One answer worth a label, with why in words."""

    prediction: Prediction
    kinds: list[str]  # engine's MARGIN / UNKNOWN / DISAGREEMENT, most telling first
    why: str
    top: str  # the class the version in use says, and how sure
    percent: float


def _candidates(classifier: Classifier) -> list[Prediction]:
    waiting = Prediction.objects.filter(classifier=classifier, correction__isnull=True).exclude(photo="")
    # The newest RECENT answers come off the log's newest-first index, so a log of millions costs the same.
    recent = waiting.order_by("-created_at", "-id").values("id")[:RECENT]
    among = Prediction.objects.filter(id__in=recent).select_related("version")
    unsure = list(among.order_by("-unknown", "margin")[:UNSURE])
    newest = list(among.exclude(id__in=[p.id for p in unsure]).order_by("-created_at")[:NEWEST])
    return unsure + newest


def _reader(prediction: Prediction) -> Callable[[], bytes]:
    def read() -> bytes:
        with prediction.photo.open("rb") as handle:
            return handle.read()

    return read


def prediction_features(predictions: Sequence[Prediction], *, backbone: str, precision: str) -> dict:
    """prediction id → features [views, dim] of its kept photo, embedded once per backbone and precision; a
    photo that cannot be read any more (removed by the clean-up meanwhile) is left out."""
    extractor = extractor_for(backbone, precision, answering=True)
    key = feature_key(backbone, extractor.precision)
    found = {
        row.prediction_id: np.frombuffer(bytes(row.vectors), dtype=np.float32).reshape(row.views, row.dim)
        for row in PredictionFeature.objects.filter(prediction__in=predictions, backbone=key, views=len(VIEWS))
    }
    missing = [p for p in predictions if p.id not in found]
    if not missing:
        return found
    embedded = extractor.embed([_reader(p) for p in missing], views=VIEWS)
    rows = []
    for prediction, vectors in zip(missing, embedded.features, strict=True):
        if vectors is None:
            continue
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        found[prediction.id] = vectors
        rows.append(PredictionFeature(prediction=prediction, backbone=key, views=vectors.shape[0],
                                      dim=vectors.shape[1], vectors=vectors.tobytes()))
    PredictionFeature.objects.bulk_create(rows, ignore_conflicts=True)  # two page views at once: one row each
    return found


def _probabilities(version: ModelVersion, predictions: Sequence[Prediction], classes: list[str]):
    """(probabilities [n, len(classes)] in `classes`' order, "none of these" flags [n]) of `version` on the
    photos; a class the version did not know gets 0."""
    model = loaded_model(version)
    features = prediction_features(predictions, backbone=version.backbone, precision=version.precision)
    x = represent(np.stack([features[p.id] for p in predictions]))
    probabilities, scores = model.predict(x)
    ordered = np.zeros((len(predictions), len(classes)))
    for column, name in enumerate(model.labels):
        if name in classes:
            ordered[:, classes.index(name)] = probabilities[:, column]
    return ordered, scores > model.unknown.threshold, x


def _previous(version: ModelVersion) -> ModelVersion | None:
    return version.classifier.versions.filter(number__lt=version.number).order_by("-number").first()


def label_next_queue(*, classifier: Classifier, count: int = QUEUE_LENGTH) -> list[ToLabel]:
    """The answers to label next, most useful first; empty until a version answers and photos were kept."""
    version = classifier.active_version
    if version is None:
        return []
    candidates = _candidates(classifier)
    if not candidates:
        return []
    loaded_model(version)  # first: a version whose files are gone says so in words before any photo is embedded
    readable = prediction_features(candidates, backbone=version.backbone, precision=version.precision)
    candidates = [p for p in candidates if p.id in readable]
    if not candidates:
        return []
    classes = [known["name"] for known in version.labels]
    probabilities, unknown, x = _probabilities(version, candidates, classes)
    previous, previous_probabilities = _previous(version), None
    if previous is not None:
        try:
            previous_probabilities = _probabilities(previous, candidates, classes)[0]
        except Exception:  # its files are gone, or its photos unreadable with its backbone: rank without it
            log.warning("version %s cannot answer the queue's photos", previous.number, exc_info=True)
            previous = None
    scored = doubts(probabilities, unknown, previous_probabilities)
    order = most_useful_first(np.array([d.score for d in scored]), x, count)
    queue = []
    for position in order:
        doubt, prediction = scored[position], candidates[position]
        kinds = reasons(doubt)
        queue.append(ToLabel(
            prediction=prediction, kinds=kinds, top=classes[doubt.top],
            percent=round(float(probabilities[position, doubt.top]) * 100, 1),
            why=_why(kinds[0], doubt, classes, probabilities[position], version, previous)))
    return queue


def _why(kind: str, doubt, classes: list[str], probabilities: np.ndarray, version: ModelVersion,
         previous: ModelVersion | None) -> str:
    top, second = classes[doubt.top], classes[doubt.second]
    if kind == UNKNOWN:
        return f"It did not look like any class it knows (closest: “{top}”)."
    if kind == DISAGREEMENT:
        return (f"Version {previous.number} said “{classes[doubt.previous_top]}”, version {version.number} "
                f"says “{top}”.")
    if doubt.margin < HESITATED:
        return (f"It hesitated between “{top}” ({probabilities[doubt.top]:.0%}) and “{second}” "
                f"({probabilities[doubt.second]:.0%}).")
    return f"It was {probabilities[doubt.top]:.0%} sure (next: “{second}”, {probabilities[doubt.second]:.0%})."
