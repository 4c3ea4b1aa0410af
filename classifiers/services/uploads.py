"""A person's own files, zips included: each file stands alone, so one bad file never sinks the others.

What one request may cost is bounded before anything is decoded: the files' pixels, read from their headers,
must fit settings.UPLOAD_MAX_PIXELS, a file sent twice is decoded once, and the decoding waits its turn
(scraper/workload.py), so big uploads queue instead of taking every thread of the web process.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from classifiers.models import Label
from classifiers.services.photos import ImportResult, Provenance, StorageUnavailable, photo_add
from nanoweb.errors import ServiceError, TooLarge
from scraper.archive import is_zip, zip_entries
from scraper.images import decode_cost
from scraper.safehttp import human_size
from scraper.workload import heavy_turn


def photos_add_uploads(*, label: Label, files: list[UploadedFile]) -> ImportResult:
    result = ImportResult()
    now = timezone.now()
    _refuse_over_pixel_budget(files)
    batch = _Batch()
    with heavy_turn(label.classifier.owner_id):
        for upload in files:
            name = _base_name(upload.name or "upload")
            if upload.size is not None and upload.size > settings.MAX_UPLOAD_BYTES:
                result.rejected.append(_refusal(name, "too_large", (
                    f"This file is {human_size(upload.size)}; the limit is {human_size(settings.MAX_UPLOAD_BYTES)}.")))
                continue
            upload.seek(0)
            head = upload.read(4)
            upload.seek(0)
            if is_zip(name, head):
                for entry in zip_entries(upload, name):
                    if entry.data is None:
                        result.rejected.append(_refusal(entry.name, entry.code, entry.reason))
                    else:
                        _add(result, batch, label, entry.data, name=entry.name, fetched_at=now)
            else:
                _add(result, batch, label, upload.read(), name=name, fetched_at=now)
    return result


class _Batch:
    """What this request has decoded so far: the raw files' digests, and their pixels."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}  # sha256 of the file as sent → its name
        self.pixels = 0


def _refuse_over_pixel_budget(files: list[UploadedFile]) -> None:
    """413 in words, before any file is decoded, when the plain files' headers add up to more than the budget
    (a zip's pictures are counted as they are read: its headers are inside the compressed data)."""
    total, counted, seen = 0, 0, set()
    for upload in files:
        if upload.size is not None and upload.size > settings.MAX_UPLOAD_BYTES:
            continue
        upload.seek(0)
        data = upload.read()
        upload.seek(0)
        if is_zip(upload.name or "", data[:4]):
            continue
        digest = hashlib.sha256(data).digest()
        if digest in seen:
            continue  # decoded once at most: see _add
        seen.add(digest)
        total += decode_cost(data)
        counted += 1
    if total > settings.UPLOAD_MAX_PIXELS:
        raise TooLarge(
            f"These {counted} pictures hold {total / 1e6:,.0f} megapixels in all; one upload may hold "
            f"{settings.UPLOAD_MAX_PIXELS / 1e6:,.0f}. Nothing was added: upload them in smaller batches.",
            details={"reason": "too_many_pixels_in_all"})


def _add(result: ImportResult, batch: _Batch, label: Label, data: bytes, *, name: str, fetched_at) -> None:
    digest = hashlib.sha256(data).hexdigest()
    if digest in batch.seen:
        result.rejected.append(_refusal(name, "duplicate", (
            f'This is the same file as "{batch.seen[digest]}" earlier in this upload.')))
        return
    batch.seen[digest] = _base_name(name)
    cost = decode_cost(data)
    if batch.pixels + cost > settings.UPLOAD_MAX_PIXELS:
        result.rejected.append(_refusal(name, "too_many_pixels_in_all", (
            f"Not added: this upload already held {settings.UPLOAD_MAX_PIXELS / 1e6:,.0f} megapixels, as much as "
            "one upload may. Upload the rest in another batch.")))
        return
    batch.pixels += cost
    try:
        provenance = Provenance(provider="upload", original_name=_base_name(name), fetched_at=fetched_at)
        result.added.append(photo_add(label=label, data=data, provenance=provenance))
    except StorageUnavailable:
        raise  # the rest would fail alike: the request says it once
    except ServiceError as exc:
        result.rejected.append(_refusal(name, exc.code, exc.message))


def _refusal(name: str, code: str, reason: str) -> dict:
    return {"name": name, "code": code, "reason": reason}


def _base_name(name: str) -> str:
    return name.replace("\\", "/").rsplit("/", 1)[-1][:255]
