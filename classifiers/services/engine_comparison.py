"""How a retraining with the new engine is weighed against the version that answers now, and whether it may
take over by itself.

The two are measured on the very same cross-validation folds of the very same photos: the run's own folds
(TrainResult.folds) are handed to the older engine's features, whose accuracy is measured again rather than
read from its version (that figure may come from other photos, added or removed since). When nothing changed
since the older version was trained, the figure measured again is that version's own.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from django.conf import settings

from classifiers.feature_cache import features_for
from classifiers.ml.training import accuracy_on_folds
from classifiers.models import Classifier, ModelVersion, Photo


def engine_comparison_measure(*, previous: ModelVersion, photos: Sequence[Photo], y: np.ndarray,
                              labels: Sequence[str], folds: np.ndarray, accuracy: float) -> dict:
    """metrics["engine_update"] of the new version: both accuracies on the same folds, and what was compared.

    The older engine's features are in the feature cache already for the photos its version trained on;
    photos added since are embedded with it now.
    """
    cached = features_for(photos, backbone=previous.backbone, precision=previous.precision)
    comparison = {
        "previous_version": previous.number,
        "previous_backbone": previous.backbone,
        "previous_precision": cached.precision,
        "previous_accuracy": None,
        "accuracy": accuracy,
        "photos": len(photos),
        "folds": int(folds.max()) + 1,
    }
    if cached.unreadable:  # decoding is the same for every engine, so this is not expected: say "not measured"
        return comparison
    # The photos the run left out as near-certainly wrong (fold -1) are left out of the older engine's too.
    used = np.flatnonzero(np.asarray(folds) >= 0)
    features = np.stack([cached.features[photos[row].id] for row in used])
    comparison["previous_accuracy"] = accuracy_on_folds(features, np.asarray(y)[used], labels,
                                                        folds=np.asarray(folds)[used])
    comparison["photos"] = len(used)
    return comparison


def engine_update_activates(*, comparison: dict) -> bool:
    """Whether a retraining with the new engine becomes active without its person's choice: only when the
    setting allows it and it is at least as accurate as the version it was compared with."""
    previous = comparison.get("previous_accuracy")
    return bool(settings.ENGINE_UPDATE_AUTO_ACTIVATE) and previous is not None and comparison["accuracy"] >= previous


def classifier_engine_follow(*, classifier: Classifier, version: ModelVersion) -> None:
    """The classifier's next trainings read photos as `version` does (once a new-engine version is chosen)."""
    classifier.backbone, classifier.precision = version.backbone, version.precision
    classifier.save(update_fields=["backbone", "precision", "updated_at"])
