"""Create, rename and delete classifiers and their labels (classes)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from classifiers.models import Classifier, Label, Photo
from classifiers.services.cleanup import classifier_files_delete
from classifiers.services.flags import photos_sharing_picture, same_picture_flags_recheck
from nanoweb.errors import Conflict, InvalidInput, refuse_invisible_characters

MAX_NAME_LENGTH = 100
MAX_LABELS = 50


def clean_name(raw: str, *, what: str) -> str:
    """Collapse white space; refuse empty and over-long names with a message that says which."""
    name = " ".join(str(raw).split())
    if not name:
        raise InvalidInput(f"The {what} name is empty. Give it a name.", details={"field": what})
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(
            f"The {what} name is {len(name)} characters long; keep it to {MAX_NAME_LENGTH}.",
            details={"field": what},
        )
    return refuse_invisible_characters(name, what=f"{what} name", field=what)


def clean_label_names(raw_names: list[str]) -> list[str]:
    names = [clean_name(raw, what="class") for raw in raw_names if str(raw).strip()]
    seen: set[str] = set()
    for name in names:
        if name.casefold() in seen:
            raise InvalidInput(f'The class "{name}" is named twice. Give each class a different name.',
                               details={"field": "labels"})
        seen.add(name.casefold())
    if len(names) > MAX_LABELS:
        raise InvalidInput(f"{len(names)} classes is too many; at most {MAX_LABELS}.", details={"field": "labels"})
    return names


def classifier_create(*, owner: AbstractBaseUser, name: str, label_names: list[str]) -> Classifier:
    name = clean_name(name, what="classifier")
    names = clean_label_names(label_names)
    with transaction.atomic():
        classifier = Classifier.objects.create(
            owner=owner, name=name, backbone=settings.DEFAULT_BACKBONE, precision=settings.DEFAULT_PRECISION
        )
        Label.objects.bulk_create([Label(classifier=classifier, name=label) for label in names])
    return classifier


UNCHANGED = object()  # a setting left as it is (None has a meaning of its own for some)


def classifier_update(*, classifier: Classifier, name: str | None = None, open_licenses_only: bool | None = None,
                      keep_prediction_photos: bool | None = None,
                      prediction_retention_days: int | None | object = UNCHANGED) -> Classifier:
    """Change the given settings. prediction_retention_days: days its answers are kept, None for the site's
    default. Photos already kept when keeping them is turned off are deleted by the workers' clean-up."""
    if name is not None:
        classifier.name = clean_name(name, what="classifier")
    if open_licenses_only is not None:
        classifier.open_licenses_only = bool(open_licenses_only)
    if keep_prediction_photos is not None:
        classifier.keep_prediction_photos = bool(keep_prediction_photos)
    if prediction_retention_days is not UNCHANGED:
        classifier.prediction_retention_days = prediction_retention_days
    classifier.save()
    return classifier


def classifier_delete(*, classifier: Classifier) -> None:
    """The classifier, its classes, photos, runs and versions; after commit, its photo and model files."""
    classifier_id = classifier.id
    version_ids = list(classifier.versions.values_list("id", flat=True))
    files = [photo.image for photo in Photo.objects.filter(label__classifier=classifier)]
    # Removed photos waiting for "Undo" keep their files until purged; the classifier going takes them too.
    storage = Photo._meta.get_field("image").storage
    waiting = [name for removal in classifier.removals.filter(restored_at=None) for name in removal.files]
    transaction.on_commit(lambda: [storage.delete(name) for name in waiting])
    classifier.delete()

    def files_delete() -> None:
        for file in files:
            if file:
                file.delete(save=False)
        classifier_files_delete(classifier_id=classifier_id, version_ids=version_ids)

    # Files go after the rows, so a failure here leaves orphan files (the sweep's), never rows without files.
    transaction.on_commit(files_delete, robust=True)


def _existing_label_names(classifier: Classifier, *, excluding: Label | None = None) -> set[str]:
    labels = classifier.labels.all()
    if excluding is not None:
        labels = labels.exclude(id=excluding.id)
    return {label.name.casefold() for label in labels}


def label_create(*, classifier: Classifier, name: str) -> Label:
    name = clean_name(name, what="class")
    if name.casefold() in _existing_label_names(classifier):
        raise Conflict(f'This classifier already has a class called "{name}".', details={"field": "name"})
    if classifier.labels.count() >= MAX_LABELS:
        raise InvalidInput(f"A classifier can have at most {MAX_LABELS} classes.", details={"field": "name"})
    try:
        return Label.objects.create(classifier=classifier, name=name)
    except IntegrityError:
        raise Conflict(f'This classifier already has a class called "{name}".', details={"field": "name"}) from None


def label_rename(*, label: Label, name: str) -> Label:
    name = clean_name(name, what="class")
    if name.casefold() in _existing_label_names(label.classifier, excluding=label):
        raise Conflict(f'This classifier already has a class called "{name}".', details={"field": "name"})
    label.name = name
    label.save(update_fields=["name"])
    return label


def label_delete(*, label: Label) -> None:
    files = [photo.image for photo in label.photos.all()]
    label.delete()
    transaction.on_commit(lambda: [f.delete(save=False) for f in files if f])


def photo_delete(*, photo: Photo, keep_file: bool = False) -> None:
    """Delete the photo (its file after commit, unless `keep_file`: an undoable removal keeps it for now).
    A photo flagged as a copy of this one is a copy of nothing any more: that flag goes with it."""
    copies = photos_sharing_picture(photo=photo)
    image = photo.image
    classifier = photo.label.classifier
    photo.delete()
    same_picture_flags_recheck(classifier=classifier, photo_ids=copies)
    if not keep_file:
        transaction.on_commit(lambda: image.delete(save=False) if image else None)
