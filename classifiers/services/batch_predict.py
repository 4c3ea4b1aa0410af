"""Answers for many photos at once (several files, a folder, or zips of them), sent on from try-it's batch
drop zone, as a stream of steps so the page can show how far it has got.

Like an upload, a batch is heavy work for a web process: its pictures' pixels must fit
settings.UPLOAD_MAX_PIXELS, zips are read with the upload's caps (scraper/archive.py), and the decoding waits
its turn (scraper/workload.py), so a big zip queues behind others instead of taking every thread. Each file
stands alone: one that cannot be read is named with the reason, and the others are answered. The answers
are kept in the prediction log like every other answer of the page (source "page").
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from classifiers.ml.predictor import PictureError
from classifiers.models import Classifier, Prediction
from classifiers.services.prediction import answering_version, loaded_model, predict_each
from classifiers.services.predictions_log import prediction_record
from scraper.archive import is_zip, zip_entries, zip_file_count
from scraper.images import decode_cost
from scraper.safehttp import human_size
from scraper.workload import heavy_turn

# Pictures embedded in one backbone call. The other predictions of the process wait for the call under way
# (classifiers.ml.batching), so a small chunk keeps their wait short while a zip runs: benchmarks/batch_zip.py
# measured single predictions at p50 342 ms during a zip with 4 against 968 ms with 8, and the zip no slower.
CHUNK = 4


@dataclass(frozen=True)
class BatchStep:
    """One step of a batch: `total` files are expected (known at the start), and since the last step these
    `answers` came and these `unread` files could not be answered."""

    total: int
    version: int
    answers: list[dict]
    unread: list[dict]


def batch_predict(*, classifier: Classifier, files: list[UploadedFile], names: list[str] | None = None,
                  version_number: int | None = None) -> Iterator[BatchStep]:
    """The steps of answering `files` with the active version, or the one numbered `version_number`.
    `names`, one a file, are what the answers call them (a folder's files by their path in it, which the
    upload's own file name loses); the files' own names otherwise.

    The first step comes before any picture is read (nothing answered yet, the total known), and is raised
    instead when the version cannot answer (none trained, no such number, its files lost), so a page hears
    that before anything is sent on. Busy (503) may come from a later step, when the web process's turns for
    heavy work stay taken."""
    version = answering_version(classifier, version_number)
    loaded_model(version)  # lost model files are said now, not after the first chunk
    total = sum(_file_count(upload) for upload in files)
    if names is None or len(names) != len(files):
        names = [upload.name or "upload" for upload in files]
    named = [(_display_name(name, upload), upload) for name, upload in zip(names, files, strict=True)]
    return _steps(classifier, named, version.number, total)


def _steps(classifier: Classifier, files: list[tuple[str, UploadedFile]], version: int,
           total: int) -> Iterator[BatchStep]:
    yield BatchStep(total=total, version=version, answers=[], unread=[])
    pending: list[tuple[str, bytes]] = []
    unread: list[dict] = []
    with heavy_turn(classifier.owner_id):
        for name, data, reason in _pictures(files):
            if data is None:
                unread.append({"name": name, "reason": reason})
            else:
                pending.append((name, data))
            if len(pending) >= CHUNK:
                yield _answered(classifier, version, total, pending, unread)
                pending, unread = [], []
        if pending or unread:
            yield _answered(classifier, version, total, pending, unread)


def _answered(classifier: Classifier, version: int, total: int, pictures: list[tuple[str, bytes]],
              unread: list[dict]) -> BatchStep:
    started = time.perf_counter()
    results = predict_each(classifier=classifier, images=[data for _, data in pictures], version_number=version)
    elapsed_ms = (time.perf_counter() - started) * 1000
    answers, kept = [], []
    for picture, result in zip(pictures, results, strict=True):
        if isinstance(result, PictureError):
            unread.append({"name": picture[0], "reason": result.message})
        else:
            answers.append({"name": picture[0], **result})
            kept.append(picture)
    # Each photo's share of the chunk's time: one call answered them all, and the log's latencies are per answer.
    prediction_record(classifier=classifier, source=Prediction.Source.PAGE, answers=answers, pictures=kept,
                      latency_ms=elapsed_ms / max(1, len(pictures)))
    return BatchStep(total=total, version=version, answers=answers, unread=unread)


def _pictures(files: list[tuple[str, UploadedFile]]) -> Iterator[tuple[str, bytes | None, str]]:
    """(name, bytes, "") for each picture sent, zips opened; (name, None, reason) for each that is not read."""
    pixels = 0
    for name, upload in files:
        if upload.size is not None and upload.size > settings.MAX_UPLOAD_BYTES:
            yield name, None, (f"This file is {human_size(upload.size)}; the limit is "
                               f"{human_size(settings.MAX_UPLOAD_BYTES)}.")
            continue
        if _is_zip(upload):
            entries = ((entry.name, entry.data, entry.reason) for entry in zip_entries(upload, name))
        else:
            entries = iter([(name, upload.read(), "")])
        for entry_name, data, reason in entries:
            if data is None:
                yield entry_name, None, reason
                continue
            cost = decode_cost(data)
            if pixels + cost > settings.UPLOAD_MAX_PIXELS:
                yield entry_name, None, (
                    f"Not answered: this batch already held {settings.UPLOAD_MAX_PIXELS / 1e6:,.0f} megapixels, "
                    "as much as one batch may. Try the rest in another batch.")
                continue
            pixels += cost
            yield entry_name, data, ""


def _display_name(name: str, upload: UploadedFile) -> str:
    """A name sent by the page as it is, without control characters (it goes into a CSV), at most 255 long."""
    cleaned = "".join(char for char in (name or "") if char.isprintable()).strip()
    return cleaned[:255] or upload.name or "upload"


def _is_zip(upload: UploadedFile) -> bool:
    upload.seek(0)
    head = upload.read(4)
    upload.seek(0)
    return is_zip(upload.name or "", head)


def _file_count(upload: UploadedFile) -> int:
    if upload.size is not None and upload.size > settings.MAX_UPLOAD_BYTES or not _is_zip(upload):
        return 1
    count = zip_file_count(upload)
    upload.seek(0)
    return count
