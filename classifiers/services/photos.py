"""Add one photo to a class: normalise, refuse duplicates within the class, flag the same picture in
another class, store the file, keep where it came from."""

from __future__ import annotations

import errno
import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from classifiers.models import Classifier, Label, Photo, SearchJob
from classifiers.services.dedup import Match, find_matches
from nanoweb.errors import Conflict, Unavailable
from scraper.images import NormalisedImage, normalise_image

IN_OTHER_CLASS = "in_other_class"

logger = logging.getLogger(__name__)


class StorageUnavailable(Unavailable):
    """The photo folder cannot take files: every other photo of the request would fail the same way."""

    code = "storage_unavailable"


@dataclass(frozen=True)
class Provenance:
    provider: str = "upload"  # "upload", "url", "page" or a search provider's name
    original_name: str = ""
    source_url: str = ""
    page_url: str = ""
    title: str = ""
    license: str = ""
    license_url: str = ""
    author: str = ""
    fetched_at: datetime | None = None
    search_job: SearchJob | None = None
    # Held back from training until a person keeps it (photos of a "find more" search).
    awaiting_review: bool = False


@dataclass
class ImportResult:
    added: list[Photo] = field(default_factory=list)
    # {"name" or "url": ..., "code": "too_small", "reason": "This picture is only 16 × 16 pixels; ..."}
    rejected: list[dict] = field(default_factory=list)


class DuplicateImage(Conflict):
    code = "duplicate"

    def __init__(self, message: str, *, duplicate_of: str) -> None:
        super().__init__(message, details={"duplicate_of": duplicate_of})
        self.duplicate_of = duplicate_of


def photo_add(*, label: Label, data: bytes, provenance: Provenance) -> Photo:
    return photo_add_normalised(label=label, image=normalise_image(data), provenance=provenance)


def photo_add_normalised(*, label: Label, image: NormalisedImage, provenance: Provenance) -> Photo:
    photo = Photo(label=label, sha256=image.sha256, phash=image.phash, width=image.width, height=image.height,
                      **_provenance_fields(provenance))
    saved_file = False
    try:
        with transaction.atomic():
            # One writer per classifier at a time, so two jobs cannot both add the same picture.
            list(Classifier.objects.select_for_update().filter(id=label.classifier_id).values_list("id"))
            matches = find_matches(classifier_id=label.classifier_id, sha256=image.sha256, phash=image.phash,
                                   colour=image.colour, mirror_phash=image.mirror_phash, jpeg=image.jpeg)
            same_class = [m for m in matches if m.label_id == str(label.id)]
            if same_class:
                raise DuplicateImage(_duplicate_message(same_class[0]), duplicate_of=same_class[0].photo_id)
            other = [m for m in matches if m.label_id != str(label.id)]
            if other:
                names = ", ".join(dict.fromkeys(f'"{m.label_name}"' for m in other))
                photo.flags = {IN_OTHER_CLASS: f"the same picture is also in {names}"}
            try:
                photo.image.save("photo.jpg", ContentFile(image.jpeg), save=False)
            except OSError as exc:
                raise _storage_error(exc) from exc
            saved_file = True
            photo.save()
            _flag_others(other, label_name=label.name)
    except BaseException:
        if saved_file:
            photo.image.delete(save=False)
        raise
    return photo


def _storage_error(exc: OSError) -> StorageUnavailable:
    # The path is for the operator's log; the person is told what to do, as a failed training does.
    logger.error("A photo could not be stored: %s", exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageUnavailable("NanoWeb's data folder is full, so the photo was not saved. Free some disk "
                                  "space (or ask whoever runs NanoWeb to), then upload again.")
    return StorageUnavailable("NanoWeb cannot write to its data folder, so the photo was not saved. Check that "
                              "the folder exists and that NanoWeb may write to it, then upload again.")


def _flag_others(matches: list[Match], *, label_name: str) -> None:
    for match in matches:
        other = Photo.objects.select_for_update().get(id=match.photo_id)
        if IN_OTHER_CLASS in (other.dismissed_flags or []):
            continue  # a person kept it after seeing this flag once
        other.flags = {**(other.flags or {}), IN_OTHER_CLASS: f'the same picture is also in "{label_name}"'}
        other.save(update_fields=["flags"])


def _duplicate_message(match: Match) -> str:
    photo = Photo.objects.get(id=match.photo_id)
    name = photo.original_name or photo.title or photo.source_url.rsplit("/", 1)[-1]
    shown = f' ("{name}", added {timezone.localtime(photo.created_at):%Y-%m-%d})' if name else ""
    how = "already" if match.exact else "nearly the same as a picture already"
    return f'This picture is {how} in "{match.label_name}"{shown}.'


def _provenance_fields(p: Provenance) -> dict:
    def cut(value: str, name: str) -> str:
        return (value or "")[: Photo._meta.get_field(name).max_length]

    def url(value: str) -> str:
        # A cut URL would point somewhere else; an over-long one is dropped instead.
        return value if value and len(value) <= Photo._meta.get_field("source_url").max_length else ""

    return {
        "provider": cut(p.provider, "provider"), "original_name": cut(p.original_name, "original_name"),
        "source_url": url(p.source_url), "page_url": url(p.page_url), "title": cut(p.title, "title"),
        "license": cut(p.license, "license"), "license_url": url(p.license_url), "author": cut(p.author, "author"),
        "fetched_at": p.fetched_at, "search_job": p.search_job, "awaiting_review": p.awaiting_review,
    }
