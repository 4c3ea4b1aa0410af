"""Answers from a classifier's active version, and the active version as a download.

The trained head is loaded once per process and kept by version id (a version never changes once
written), so a prediction costs decoding + one backbone pass + a matrix product, all in the engine's
Predictor.
"""

from __future__ import annotations

import io
import threading
import zipfile
from pathlib import Path

from django.conf import settings
from django.utils.text import slugify

from classifiers.feature_cache import extractor_for
from classifiers.ml import artifacts
from classifiers.ml.batching import batcher_for
from classifiers.ml.onnx_cache import write_atomically
from classifiers.ml.predictor import PictureError, Predictor
from classifiers.ml.training import TrainedModel
from classifiers.models import Classifier, ModelVersion
from nanoweb.errors import Conflict, ServiceError, TooLarge, Unavailable, UnsupportedMedia

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


def predict_images(*, classifier: Classifier, images: list[bytes]) -> list[dict]:
    """One answer per image, in order: label, confidence, every label's probability, whether the picture
    looks like none of the classes (unknown) or only unlike their photos (looks_unlike), and all that in
    words."""
    version = _active_version(classifier)
    model = loaded_model(version)
    if not images:
        return []
    # The version's own backbone and precision: its head was fitted on their features, whatever today's default.
    if settings.PREDICT_BATCHING:
        # The requests this process is answering at the same moment share one backbone call (the API's
        # `files` too); each still gets its own answers and its own refusals. Web processes share the
        # cores with each other, so their session does not busy-wait (see OnnxExtractor).
        extractor = batcher_for(
            extractor_for(version.backbone, version.precision, spinning=False),
            max_wait=settings.PREDICT_BATCH_WAIT_MS / 1000,
        )
    else:
        extractor = extractor_for(version.backbone, version.precision)
    results = Predictor(extractor, model).predict(images)
    # One unusable picture refuses the whole request, naming the first (the API names it to the client).
    failure = next((result for result in results if isinstance(result, PictureError)), None)
    if failure is not None:
        raise _refusal(failure, len(images))
    return [{**answer, "in_words": answer_sentence(answer), "version": version.number} for answer in results]


def model_export(*, classifier: Classifier) -> tuple[str, bytes]:
    """The active version as a zip: model.onnx (backbone + head + softmax), labels.json, README.txt.
    Built once per version and kept next to its artifact."""
    version = _active_version(classifier)
    folder = Path(settings.ARTIFACTS_DIR) / version.artifact
    cached = folder / "export.zip"
    filename = f"{slugify(classifier.name) or 'classifier'}-v{version.number}.zip"
    if cached.exists():
        return filename, cached.read_bytes()
    # The export is built with PyTorch, loaded here only: web processes that merely predict never need it.
    from classifiers.ml.export import export_onnx, labels_json, readme
    from classifiers.ml.extract import backbone_model

    model = loaded_model(version)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        # The very backbone file the server answers with (the int8 twin for an int8 version).
        backbone_file, precision = backbone_model(version.backbone, version.precision, settings.FEATURE_CACHE_DIR)
        archive.writestr("model.onnx", export_onnx(version.backbone, model, backbone_file=backbone_file))
        archive.writestr(
            "labels.json",
            labels_json(
                version.backbone, model, version=version.number, name=classifier.name, precision=precision
            ),
        )
        archive.writestr("README.txt", readme(version.backbone))
    data = buffer.getvalue()
    write_atomically(cached, data)
    return filename, data
