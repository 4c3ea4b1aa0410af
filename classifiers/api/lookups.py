"""Fetch an object for the requesting user. Anything that is not theirs is "not found", exactly like
something that does not exist, so the API never reveals that another person's object exists."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser

from classifiers.models import Classifier, Example, Label, SearchJob, TrainingRun
from nanoweb.errors import NotFound


def owned_classifier(user: AbstractBaseUser, classifier_id: UUID) -> Classifier:
    classifier = Classifier.objects.filter(id=classifier_id, owner=user).select_related("active_version").first()
    if classifier is None:
        raise NotFound(f"You have no classifier with id {classifier_id}.")
    return classifier


def owned_label(user: AbstractBaseUser, classifier_id: UUID, label_id: UUID) -> Label:
    label = (
        Label.objects.filter(id=label_id, classifier_id=classifier_id, classifier__owner=user)
        .select_related("classifier")
        .first()
    )
    if label is None:
        raise NotFound(f"Classifier {classifier_id} of yours has no class with id {label_id}.")
    return label


def owned_example(user: AbstractBaseUser, example_id: UUID, *, label: Label | None = None) -> Example:
    examples = Example.objects.filter(id=example_id, label__classifier__owner=user)
    if label is not None:
        examples = examples.filter(label=label)
    example = examples.select_related("label").first()
    if example is None:
        raise NotFound(f"You have no image with id {example_id}" + (f" in class {label.id}." if label else "."))
    return example


def owned_run(user: AbstractBaseUser, classifier_id: UUID, run_id: UUID) -> TrainingRun:
    run = (
        TrainingRun.objects.filter(id=run_id, classifier_id=classifier_id, classifier__owner=user)
        .select_related("version")
        .first()
    )
    if run is None:
        raise NotFound(f"Classifier {classifier_id} of yours has no training run with id {run_id}.")
    return run


def owned_search_job(user: AbstractBaseUser, job_id: UUID) -> SearchJob:
    job = SearchJob.objects.filter(id=job_id, label__classifier__owner=user).select_related("label").first()
    if job is None:
        raise NotFound(f"You have no search job with id {job_id}.")
    return job
