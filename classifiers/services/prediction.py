"""Answers from a classifier's active version (or any of its versions, by number), and a version as a
download.

The trained head is loaded once per process and kept by version id (a version never changes once
written), so a prediction costs decoding + one backbone pass + a matrix product, all in the engine's
Predictor.
"""

from __future__ import annotations

import logging
import threading
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from django.conf import settings
from django.utils.text import slugify

from classifiers.feature_cache import extractor_for
from classifiers.ml import artifacts
from classifiers.ml.batching import batcher_for
from classifiers.ml.child import ChildFailed, run_in_child
from classifiers.ml.extract import backbone_model
from classifiers.ml.predictor import PictureError, Predictor
from classifiers.ml.training import TrainedModel
from classifiers.models import Classifier, ModelVersion
from nanoweb.errors import Conflict, NotFound, ServiceError, TooLarge, Unavailable, UnsupportedMedia
from scraper.images import decode_cost
from scraper.workload import heavy_turn

log = logging.getLogger(__name__)

_models: dict = {}  # version id → TrainedModel
_lock = threading.Lock()
MAX_CACHED_MODELS = 64


def _active_version(classifier: Classifier) -> ModelVersion:
    # The API's lookup brings the version with the classifier (owned_classifier), so a prediction costs no
    # query here; a classifier fetched without it queries once, as before.
    try:
        version = classifier.active_version if classifier.active_version_id else None
    except ModelVersion.DoesNotExist:
        version = None
    if version is None:
        raise Conflict("This classifier has no trained version yet: train it first, then ask for predictions.")
    return version


def answering_version(classifier: Classifier, number: int | None) -> ModelVersion:
    """The version asked for by number, or the active one when none is named. Any version still answers and
    downloads: a person compares an older one with today's before choosing which is active."""
    if number is None:
        return _active_version(classifier)
    version = classifier.versions.filter(number=number).first()
    if version is None:
        numbers = list(classifier.versions.order_by("number").values_list("number", flat=True))
        known = f"its versions are {', '.join(map(str, numbers))}" if numbers else "it has not been trained yet"
        raise NotFound(f"This classifier has no version {number}; {known}.", details={"version": number})
    return version


def loaded_model(version: ModelVersion) -> TrainedModel:
    with _lock:
        model = _models.get(version.id)
    if model is None:
        try:
            model, _ = artifacts.load(Path(settings.ARTIFACTS_DIR) / version.artifact)
        except artifacts.ArtifactError as exc:
            # The row outlived its files (data folder lost, or not shared between machines): say so in words.
            raise Unavailable(
                f"The model files of version {version.number} cannot be read, so it cannot answer. Train the "
                "classifier again, or make another version active.",
                details={"version": version.number},
            ) from exc
        _forget_deleted_versions()
        with _lock:
            if len(_models) >= MAX_CACHED_MODELS:
                _models.pop(next(iter(_models)))
            _models[version.id] = model
    return model


def loaded_models_forget(*, version_ids) -> None:
    """Drop these versions' models from this process (their classifier was deleted)."""
    with _lock:
        for version_id in version_ids:
            _models.pop(version_id, None)


def _forget_deleted_versions() -> None:
    """On every load (rare: once per version and process), drop the models whose version row is gone, so a
    process that did not delete the classifier does not keep its class names and feature bank in memory."""
    with _lock:
        cached = list(_models)
    if cached:
        alive = set(ModelVersion.objects.filter(id__in=cached).values_list("id", flat=True))
        loaded_models_forget(version_ids=[version_id for version_id in cached if version_id not in alive])


def _refusal(failure: PictureError, count: int) -> ServiceError:
    """A picture the engine could not use, as the service's error, saying which one when several were sent."""
    where = f"Image {failure.index + 1} of {count}: " if count > 1 else ""
    refusal = TooLarge if failure.too_large else UnsupportedMedia
    return refusal(where + failure.message, details={"index": failure.index})


def answer_in_words(answer: dict) -> tuple[str, str]:
    """(the verdict, the sentence after it) that try-it shows and the API sends as `in_words`: a flat "None
    of these" only for a picture far from every training photo; one merely unlike them is still named,
    with the doubt said beside it."""
    label, percent = answer["label"], f"{answer['confidence']:.0%}"
    if answer.get("unknown"):
        return "None of these", f"It does not look like any of the classes it knows (closest: “{label}”, {percent})."
    if answer.get("looks_unlike"):
        return f"Probably {label}", f"Probably “{label}” ({percent}) — but it looks unlike your “{label}” photos."
    return label, f"{percent} sure."


def answer_sentence(answer: dict) -> str:
    """The whole answer in one sentence, for the API's `in_words`."""
    verdict, explanation = answer_in_words(answer)
    if answer.get("unknown"):
        return f"{verdict}: {explanation[0].lower()}{explanation[1:]}"
    if answer.get("looks_unlike"):
        return explanation  # it names the class already
    return f"“{verdict}”, {explanation}"


def _turn_if_heavy(classifier: Classifier, images: list[bytes]) -> AbstractContextManager:
    """Pictures that cost more to decode than a few phone photos wait for one of the web process's heavy turns,
    as uploads do (scraper/workload.py): 32 big PNGs in one request must not take every thread. Everyday
    answers (JPEGs, decoded at a reduced scale) never wait."""
    if sum(decode_cost(data) for data in images) <= settings.PREDICT_LIGHT_PIXELS:
        return nullcontext()
    return heavy_turn(classifier.owner_id)


def predict_each(*, classifier: Classifier, images: list[bytes],
                 version_number: int | None = None) -> list[dict | PictureError]:
    """Per image, in order: an answer (label, confidence, every label's probability, whether the picture
    looks like none of the classes, the number of the version that answered) or the PictureError that kept
    that one image from an answer. The active version answers unless `version_number` names another."""
    version = answering_version(classifier, version_number)
    model = loaded_model(version)
    if not images:
        return []
    # The version's own backbone and precision: its head was fitted on their features, whatever today's default.
    if settings.PREDICT_BATCHING:
        # The requests this process is answering at the same moment share one backbone call (the API's
        # `files` too); each still gets its own answers and its own refusals. Web processes share the
        # cores with each other (extractor_for's `answering`).
        extractor = batcher_for(
            extractor_for(version.backbone, version.precision, answering=True),
            max_wait=settings.PREDICT_BATCH_WAIT_MS / 1000,
            decoders=settings.ENGINE_THREADS,
        )
    else:
        extractor = extractor_for(version.backbone, version.precision)
    with _turn_if_heavy(classifier, images):
        results = Predictor(extractor, model).predict(images)
    return [result if isinstance(result, PictureError) else {**result, "version": version.number}
            for result in results]


def predict_images(*, classifier: Classifier, images: list[bytes], version_number: int | None = None) -> list[dict]:
    """One answer per image, in order, from the active version or the one numbered `version_number`: label,
    confidence, every label's probability, whether the picture looks like none of the classes (unknown) or
    only unlike their photos (looks_unlike), and all that in words (in_words)."""
    results = predict_each(classifier=classifier, images=images, version_number=version_number)
    # One unusable picture refuses the whole request, naming the first (the API names it to the client).
    failure = next((result for result in results if isinstance(result, PictureError)), None)
    if failure is not None:
        raise _refusal(failure, len(images))
    return [{**answer, "in_words": answer_sentence(answer)} for answer in results]


def model_export(*, classifier: Classifier, version_number: int | None = None) -> tuple[str, bytes]:
    """The active version (or the one numbered `version_number`) as a zip: model.onnx (backbone + head +
    softmax), labels.json, README.txt. Built once per version and kept next to its artifact."""
    version = answering_version(classifier, version_number)
    folder = Path(settings.ARTIFACTS_DIR) / version.artifact
    cached = folder / "export.zip"
    filename = f"{slugify(classifier.name) or 'classifier'}-v{version.number}.zip"
    if not cached.exists():
        loaded_model(version)  # a version whose files are gone is refused in words, as a prediction is
        # The very backbone file the server answers with (the int8 twin for an int8 version). The graph is
        # built with PyTorch and onnx in a child process, so this process never loads them.
        backbone_file, precision = backbone_model(version.backbone, version.precision, settings.FEATURE_CACHE_DIR)
        try:
            run_in_child(
                "classifiers.ml.export:export_zip", version.backbone, precision, str(folder), str(backbone_file),
                classifier.name, version.number, str(cached),
            )
        except ChildFailed as exc:
            log.error("the download of version %s could not be built: %s", version.id, exc)
            raise Unavailable(
                f"The download of version {version.number} could not be built just now. Try again in a minute.",
                details={"version": version.number},
            ) from exc
    return filename, cached.read_bytes()
