"""Reads of the engine update: whether a classifier's active version reads photos with another engine
(backbone, precision) than the one new classifiers get today, and where its retraining with the new engine
stands: offered, training, or ready to be chosen with both accuracies side by side."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from classifiers.models import Classifier, ModelVersion, TrainingRun

OFFERED, TRAINING, READY = "offered", "training", "ready"

# What the results page and the API say in each state: plain words first, engine names only in details.
WORDS = {
    OFFERED: ("NanoWeb has a better way to read photos since this version was made. Retrain to try it — your "
              "current version keeps answering until you choose."),
    TRAINING: "Retraining with the new engine. Your current version keeps answering meanwhile.",
    READY: ("The new version is ready. Both were tested the same way, on the same photos: compare them and "
            "choose. Your current version keeps answering until you do."),
}


@dataclass(frozen=True)
class Engine:
    backbone: str
    precision: str

    def __str__(self) -> str:
        return f"{self.backbone} ({self.precision})"


def default_engine() -> Engine:
    """What new classifiers read photos with (settings NANOWEB_BACKBONE, NANOWEB_PRECISION)."""
    return Engine(settings.DEFAULT_BACKBONE, settings.DEFAULT_PRECISION)


def version_engine(version: ModelVersion) -> Engine:
    return Engine(version.backbone, version.precision)


def engine_is_outdated(classifier: Classifier) -> bool:
    """The active version reads photos with an older engine than today's default (no query when the active
    version came with the classifier, as in selectors.catalog.classifiers_with_labels)."""
    version = classifier.active_version if classifier.active_version_id else None
    return version is not None and version_engine(version) != default_engine()


@dataclass(frozen=True)
class EngineUpdate:
    status: str  # OFFERED, TRAINING or READY
    version: ModelVersion  # the active version, on the older engine
    current: Engine
    new: Engine
    run: TrainingRun | None  # the latest retraining with the new engine measured against `version`
    candidate: ModelVersion | None  # the version that run made, waiting to be chosen (READY only)

    @property
    def words(self) -> str:
        return WORDS[self.status]

    @property
    def comparison(self) -> dict:
        """Both accuracies on the same folds (services.engine_comparison), once the candidate exists."""
        return (self.candidate.metrics or {}).get("engine_update", {}) if self.candidate else {}


def engine_update_for(classifier: Classifier) -> EngineUpdate | None:
    """None when there is nothing to update (no version yet, or the active one is on today's engine)."""
    if not engine_is_outdated(classifier):
        return None
    version = classifier.active_version
    run = (TrainingRun.objects.filter(classifier=classifier, compared_with=version)
           .select_related("version").order_by("-created_at").first())
    candidate = None
    if run is None or run.status in (TrainingRun.Status.FAILED, TrainingRun.Status.CANCELLED):
        status = OFFERED  # a failed try says why in the training card; the offer stands
    elif run.status in TrainingRun.ACTIVE_STATUSES:
        status = TRAINING
    elif run.version is not None:
        status, candidate = READY, run.version
    else:
        status = OFFERED  # succeeded, but its version is gone
    return EngineUpdate(status=status, version=version, current=version_engine(version), new=default_engine(),
                        run=run, candidate=candidate)
