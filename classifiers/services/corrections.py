"""A person corrects a logged answer: "this is wrong, it is X" or "it is none of these".

The correction is kept (one per answer; saying it again changes it). When the answer's photo was kept, a copy
becomes a photo of X waiting for review, exactly like a "find more" search's photos: it is not trained on
until the person keeps it on the review page. A correction never trains on anything by itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from classifiers.models import Correction, Label, Photo, Prediction
from classifiers.services.catalog import photo_delete
from classifiers.services.photos import DuplicateImage, Provenance, photo_add
from nanoweb.errors import InvalidInput
from scraper.images import ImageRejected

PROVIDER = "correction"  # Photo.provider of the photos corrections add


@dataclass(frozen=True)
class Corrected:
    correction: Correction
    photo: Photo | None  # the photo waiting for review it added (or found already there), if any
    said: str  # what happened, in words for the person


def prediction_correct(*, prediction: Prediction, label: Label | None) -> Corrected:
    """Record that `prediction` should have said `label` (None: none of these), and add its kept photo to that
    class, waiting for review. Refused in words when the answer already said so."""
    if label is not None and label.classifier_id != prediction.classifier_id:
        raise InvalidInput("Choose one of this classifier's classes.", details={"field": "label_id"})
    if label is None and prediction.unknown:
        raise InvalidInput("It already answered “none of these”. Choose the class the photo really is.",
                           details={"field": "none_of_these"})
    if label is not None and not prediction.unknown and label.name == prediction.label_name:
        raise InvalidInput(f"It already answered “{label.name}”. Choose the class the photo really is, or "
                           "“none of these”.", details={"field": "label_id"})
    with transaction.atomic():
        # Locks the answer's row, so two clicks at once leave one correction and one photo.
        Prediction.objects.select_for_update().filter(id=prediction.id).first()
        correction = Correction.objects.filter(prediction=prediction).select_related("photo__label").first()
        if correction is None:
            correction = Correction(prediction=prediction)
        _withdraw_waiting_photo(correction, keep_for=label)
        correction.label, correction.created_at = label, timezone.now()
        photo, said = _photo_for(correction, prediction, label)
        correction.photo = photo
        correction.save()
    return Corrected(correction=correction, photo=photo, said=said)


def _withdraw_waiting_photo(correction: Correction, *, keep_for: Label | None) -> None:
    """A changed correction takes back the photo the earlier one added, if the person has not decided on it yet
    (still waiting for review, in another class than the new one). A photo they kept or moved stays, and so
    does one this correction did not add (the same picture was already there) or that another correction shares."""
    photo = correction.photo
    if photo is None or not photo.awaiting_review or (keep_for is not None and photo.label_id == keep_for.id):
        return
    if photo.provider != PROVIDER or Correction.objects.filter(photo=photo).exclude(id=correction.id).exists():
        correction.photo = None
        return
    photo_delete(photo=photo)
    correction.photo = None


def _photo_for(correction: Correction, prediction: Prediction, label: Label | None) -> tuple[Photo | None, str]:
    if label is None:
        return None, "Noted: it is none of these classes. Nothing was added to your photos."
    if correction.photo is not None and correction.photo.label_id == label.id:
        return correction.photo, _waiting(label)
    if not prediction.photo:
        return None, (f"Noted: it is “{label.name}”. There is no photo to add to “{label.name}”: keeping photos "
                      "of answers is off for this classifier (or the photo has been removed since).")
    try:
        with prediction.photo.open("rb") as handle:
            data = handle.read()
    except (FileNotFoundError, OSError, ValueError):
        return None, (f"Noted: it is “{label.name}”. Its photo could not be read any more, so nothing was added "
                      f"to “{label.name}”.")
    try:
        with transaction.atomic():
            photo = photo_add(label=label, data=data, provenance=Provenance(
                provider=PROVIDER, original_name=prediction.name[:255], awaiting_review=True))
    except DuplicateImage as exc:
        return (Photo.objects.filter(id=exc.duplicate_of).first(),
                f"Noted: it is “{label.name}”. {exc.message} So no copy was added.")
    except ImageRejected as exc:
        return None, f"Noted: it is “{label.name}”. Its photo was not added: {exc.message}"
    return photo, _waiting(label)


def _waiting(label: Label) -> str:
    return (f"Noted: it is “{label.name}”. The photo was added to “{label.name}”, waiting for your review: it is "
            "not trained on until you keep it.")
