"""Retrain a classifier with NanoWeb's new engine, and choose the retrained version once it is measured."""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response

from classifiers.api.schema import errors
from classifiers.api.serializers.engine_update import EngineUpdateSerializer, engine_update_data
from classifiers.api.serializers.training import ModelVersionSerializer, TrainingRunSerializer
from classifiers.models import Classifier
from classifiers.selectors.catalog import classifier_labels
from classifiers.selectors.engine_update import default_engine, engine_update_for
from classifiers.selectors.owned import owned_classifier
from classifiers.services.engine_update import engine_update_adopt, engine_update_start


def engine_update_out(classifier: Classifier) -> dict:
    new = default_engine()
    return EngineUpdateSerializer(engine_update_data(
        engine_update_for(classifier), new={"backbone": new.backbone, "precision": new.precision},
        auto_activate=settings.ENGINE_UPDATE_AUTO_ACTIVATE)).data


class EngineUpdate(generics.GenericAPIView):
    @extend_schema(
        summary="Is a better engine available for this classifier?",
        description=(
            "`available` is true when the active version reads photos with another backbone or precision than new "
            "classifiers get today. `status` says where the retraining stands; once `ready`, `accuracy` and "
            "`previous_accuracy` are both measured on the same folds of the same photos."
        ),
        tags=["training"],
        responses={200: EngineUpdateSerializer, **errors(404)},
    )
    def get(self, request: Request, classifier_id: UUID) -> Response:
        return Response(engine_update_out(owned_classifier(request.user, classifier_id)))

    @extend_schema(
        summary="Retrain with the new engine",
        description=(
            "Queues a training run with today's default engine and answers 202 at once; follow it at "
            ".../runs/{id}/. The active version keeps answering: the new one answers only after POST "
            ".../engine-update/adopt/ (or by itself when the server's NANOWEB_ENGINE_UPDATE_AUTO_ACTIVATE is on and "
            "it is at least as accurate). 409 when there is nothing to update or a run is already going."
        ),
        tags=["training"],
        request=None,
        responses={202: TrainingRunSerializer, **errors(400, 404, 409, 503)},
    )
    def post(self, request: Request, classifier_id: UUID) -> Response:
        run = engine_update_start(classifier=owned_classifier(request.user, classifier_id))
        context = {"request": request, "labels": classifier_labels(classifier_id)}
        return Response(TrainingRunSerializer(run, context=context).data, status=status.HTTP_202_ACCEPTED)


class EngineUpdateAdopt(generics.GenericAPIView):
    @extend_schema(
        summary="Use the new version",
        description=(
            "Makes the version retrained with the new engine the one that answers predictions and exports; the "
            "classifier's next trainings use its engine too. 409 until a retrained version is ready."
        ),
        tags=["training"],
        request=None,
        responses={200: ModelVersionSerializer, **errors(404, 409)},
    )
    def post(self, request: Request, classifier_id: UUID) -> Response:
        version = engine_update_adopt(classifier=owned_classifier(request.user, classifier_id))
        return Response(ModelVersionSerializer(version, context={"active_version_id": version.id}).data)
