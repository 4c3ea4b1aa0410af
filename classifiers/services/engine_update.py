"""Updating a classifier when NanoWeb gets a better way to read photos: retrain it with today's engine, then
let its person choose the new version.

The retraining is an ordinary training run that names today's engine and the version it is measured against
(TrainingRun.backbone, precision, compared_with). Its version does not become active by itself (unless
NANOWEB_ENGINE_UPDATE_AUTO_ACTIVATE is on and it is at least as accurate: services/engine_comparison.py), and
the classifier keeps its own engine for ordinary trainings until the new version is chosen.
"""

from __future__ import annotations

from classifiers.models import Classifier, ModelVersion, TrainingRun
from classifiers.selectors.engine_update import READY, TRAINING, engine_update_for
from classifiers.services.training import training_run_create, version_activate
from nanoweb.errors import Conflict


def engine_update_start(*, classifier: Classifier) -> TrainingRun:
    """Queue the retraining with today's engine; the active version keeps answering meanwhile."""
    update = engine_update_for(classifier)
    if update is None:
        raise Conflict(
            "There is nothing to update: this classifier's version already reads photos the way NanoWeb does today."
            if classifier.active_version_id else "Train this classifier first; there is no version to update yet.")
    if update.status == TRAINING:
        raise Conflict("This classifier is already training; wait for that run to finish.")
    return training_run_create(classifier=classifier, backbone=update.new.backbone, precision=update.new.precision,
                               compared_with=update.version)


def engine_update_adopt(*, classifier: Classifier) -> ModelVersion:
    """"Use the new version": the retrained version answers from now on, and the classifier's next trainings
    read photos with its engine (version_activate)."""
    update = engine_update_for(classifier)
    if update is None or update.status != READY:
        raise Conflict(
            "The new version is still training; choose it once it is ready."
            if update is not None and update.status == TRAINING
            else "There is no new version to choose: retrain with the new engine first.")
    return version_activate(classifier=classifier, number=update.candidate.number)
