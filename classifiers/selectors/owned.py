"""Fetch an object if it is this user's: the one lookup for the pages and the API.

Anything that is not theirs is "not found", exactly like something that does not exist, so neither a page
nor the API reveals that another person's object exists. The error is both Django's Http404 (a page
answers with the 404 page) and the services' NotFound (the API answers with its not_found JSON error and
the message below).
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.http import Http404

from classifiers.models import Classifier, Label, ModelVersion, Photo, Prediction, SearchJob, TrainingRun
from nanoweb.errors import NotFound


class NotYours(NotFound, Http404):
    """Not found among the user's objects: a 404 on both surfaces, with a message the API shows."""


def _the_one(rows: QuerySet, not_yours: str):
    """The one row the filters leave, or a 404 saying what this person has no such thing of."""
    row = rows.first()
    if row is None:
        raise NotYours(not_yours)
    return row


def owned_classifier(user: AbstractBaseUser, classifier_id: UUID) -> Classifier:
    return _the_one(Classifier.objects.filter(id=classifier_id, owner=user).select_related("active_version"),
                    f"You have no classifier with id {classifier_id}.")


def owned_label(user: AbstractBaseUser, classifier_id: UUID, label_id: UUID) -> Label:
    return _the_one(
        Label.objects.filter(id=label_id, classifier_id=classifier_id, classifier__owner=user)
        .select_related("classifier"),
        f"Classifier {classifier_id} of yours has no class with id {label_id}.")


def owned_photo(user: AbstractBaseUser, photo_id: UUID, *, label: Label | None = None) -> Photo:
    photos = Photo.objects.filter(id=photo_id, label__classifier__owner=user)
    if label is not None:
        photos = photos.filter(label=label)
    return _the_one(photos.select_related("label"),
                    f"You have no image with id {photo_id}" + (f" in class {label.id}." if label else "."))


def owned_run(user: AbstractBaseUser, classifier_id: UUID, run_id: UUID) -> TrainingRun:
    return _the_one(
        TrainingRun.objects.filter(id=run_id, classifier_id=classifier_id, classifier__owner=user)
        .select_related("version"),
        f"Classifier {classifier_id} of yours has no training run with id {run_id}.")


def owned_search_job(user: AbstractBaseUser, job_id: UUID, *, classifier_id: UUID | None = None) -> SearchJob:
    """The pages address a search under its classifier, the API by its id alone."""
    jobs = SearchJob.objects.filter(id=job_id, label__classifier__owner=user)
    if classifier_id is not None:
        jobs = jobs.filter(label__classifier_id=classifier_id)
    return _the_one(jobs.select_related("label"), f"You have no search job with id {job_id}.")


def owned_version(user: AbstractBaseUser, classifier_id: UUID, number: int) -> ModelVersion:
    return _the_one(ModelVersion.objects.filter(classifier_id=classifier_id, classifier__owner=user, number=number),
                    f"Classifier {classifier_id} of yours has no version {number}.")


def _uuids(ids: Iterable[object]) -> list[UUID]:
    valid = []
    for raw in ids:
        try:
            valid.append(raw if isinstance(raw, UUID) else UUID(str(raw)))
        except ValueError:
            continue
    return valid


def owned_photos(classifier: Classifier, ids: Iterable[object]) -> list[Photo]:
    """The photos among `ids` that belong to `classifier` (already the user's); ids that are not UUIDs or
    not its own are left out, so a selection from a form never fails as a whole."""
    return list(Photo.objects.filter(id__in=_uuids(ids), label__classifier=classifier).select_related("label"))


def classifier_label(classifier: Classifier, label_id: object) -> Label | None:
    """One class of `classifier` (already the user's), or None: a move's target is checked, not a 404."""
    valid = _uuids([label_id])
    return classifier.labels.filter(id=valid[0]).first() if valid else None


def owned_prediction(user: AbstractBaseUser, classifier_id: UUID, prediction_id: UUID) -> Prediction:
    """One logged answer of a classifier of this user's (the prediction log)."""
    return _the_one(
        Prediction.objects.filter(id=prediction_id, classifier_id=classifier_id, classifier__owner=user)
        .select_related("version", "label"),
        f"Classifier {classifier_id} of yours has no logged answer with id {prediction_id}.")
