"""A person's own files, zips included: each file stands alone, so one bad file never sinks the others."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from classifiers.models import Label
from classifiers.services.photos import ImportResult, Provenance, photo_add
from nanoweb.errors import ServiceError
from scraper.archive import is_zip, zip_entries
from scraper.safehttp import human_size


def photos_add_uploads(*, label: Label, files: list[UploadedFile]) -> ImportResult:
    result = ImportResult()
    now = timezone.now()
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
                    _add(result, label, entry.data, name=entry.name, fetched_at=now)
        else:
            _add(result, label, upload.read(), name=name, fetched_at=now)
    return result


def _add(result: ImportResult, label: Label, data: bytes, *, name: str, fetched_at) -> None:
    try:
        provenance = Provenance(provider="upload", original_name=_base_name(name), fetched_at=fetched_at)
        result.added.append(photo_add(label=label, data=data, provenance=provenance))
    except ServiceError as exc:
        result.rejected.append(_refusal(name, exc.code, exc.message))


def _refusal(name: str, code: str, reason: str) -> dict:
    return {"name": name, "code": code, "reason": reason}


def _base_name(name: str) -> str:
    return name.replace("\\", "/").rsplit("/", 1)[-1][:255]
