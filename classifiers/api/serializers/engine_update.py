"""The engine update of a classifier: whether its active version reads photos with an older engine than
today's default, where its retraining with the new engine stands, and both accuracies side by side."""

from __future__ import annotations

from rest_framework import serializers

from classifiers.selectors.engine_update import EngineUpdate


class EngineSerializer(serializers.Serializer):
    backbone = serializers.CharField(help_text="The network that turns a photo into features, e.g. efficientnet-lite0.")
    precision = serializers.ChoiceField(choices=["float", "int8"], help_text="float, or int8 (faster).")


# Built by engine_update_data from the selector's EngineUpdate. (No docstring: it would become the schema
# component's description.)
class EngineUpdateSerializer(serializers.Serializer):
    available = serializers.BooleanField(
        help_text="True when the active version uses another backbone or precision than new classifiers get today."
    )
    status = serializers.ChoiceField(
        choices=["none", "offered", "training", "ready"],
        help_text=(
            "none: nothing to update; offered: POST here to retrain with the new engine; training: follow `run`; "
            "ready: the new version is measured, POST .../engine-update/adopt/ to make it answer."
        ),
    )
    message = serializers.CharField(help_text="The same words the results page shows.")
    current_version = serializers.IntegerField(allow_null=True, help_text="The version that answers now.")
    current = EngineSerializer(allow_null=True, help_text="The engine of the version that answers now.")
    new = EngineSerializer(help_text="Today's default engine, the one a retraining uses.")
    run = serializers.UUIDField(
        allow_null=True, help_text="The retraining with the new engine, to follow at .../runs/{run}/."
    )
    version = serializers.IntegerField(allow_null=True, help_text="The retrained version, once ready.")
    accuracy = serializers.FloatField(allow_null=True, help_text="The retrained version's accuracy, 0-1.")
    previous_accuracy = serializers.FloatField(
        allow_null=True,
        help_text="The current version's engine measured again on the same folds of the same photos, 0-1.",
    )
    photos = serializers.IntegerField(allow_null=True, help_text="How many photos both were measured on.")
    folds = serializers.IntegerField(allow_null=True, help_text="Cross-validation folds, the same for both.")
    auto_activate = serializers.BooleanField(
        help_text="The server makes a retrained version active by itself when it is at least as accurate."
    )


def engine_update_data(update: EngineUpdate | None, *, new: dict, auto_activate: bool) -> dict:
    """The EngineUpdateSerializer's fields for a classifier's update (None: nothing to update)."""
    if update is None:
        return {"available": False, "status": "none", "message": "Nothing to update: this classifier's version "
                "already reads photos the way NanoWeb does today, or nothing is trained yet.",
                "current_version": None, "current": None, "new": new, "run": None, "version": None,
                "accuracy": None, "previous_accuracy": None, "photos": None, "folds": None,
                "auto_activate": auto_activate}
    comparison = update.comparison
    return {
        "available": True,
        "status": update.status,
        "message": update.words,
        "current_version": update.version.number,
        "current": {"backbone": update.current.backbone, "precision": update.current.precision},
        "new": new,
        "run": update.run.id if update.run else None,
        "version": update.candidate.number if update.candidate else None,
        "accuracy": comparison.get("accuracy"),
        "previous_accuracy": comparison.get("previous_accuracy"),
        "photos": comparison.get("photos"),
        "folds": comparison.get("folds"),
        "auto_activate": auto_activate,
    }
