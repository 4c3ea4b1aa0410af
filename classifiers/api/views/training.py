"""Train a classifier, follow (or cancel) its runs, list and switch its model versions, export any of them."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response

from classifiers.api.schema import errors
from classifiers.api.serializers.training import ModelVersionSerializer, TrainingRunSerializer
from classifiers.api.version_param import VERSION_PARAMETER, version_number_param
from classifiers.api.views.images import JsonErrorsOnly
from classifiers.selectors.catalog import classifier_labels
from classifiers.selectors.owned import owned_classifier, owned_run
from classifiers.selectors.training import classifier_runs, classifier_versions
from classifiers.services.prediction import model_export
from classifiers.services.training import training_run_cancel, training_run_create, version_activate


class Train(generics.GenericAPIView):
    @extend_schema(
        summary="Train the classifier on its photos",
        description=(
            "Queues a training run and answers 202 at once. Poll GET .../runs/{id}/ until `status` is "
            "succeeded (the new version then answers predictions) or failed (`error` says why). 409 while "
            "another run of this classifier is queued or running."
        ),
        tags=["training"],
        request=None,
        responses={202: TrainingRunSerializer, **errors(400, 404, 409, 503)},
    )
    def post(self, request: Request, classifier_id: UUID) -> Response:
        run = training_run_create(classifier=owned_classifier(request.user, classifier_id))
        context = {"request": request, "labels": classifier_labels(classifier_id)}
        return Response(TrainingRunSerializer(run, context=context).data, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(
    get=extend_schema(
        summary="List training runs, newest first",
        tags=["training"],
        responses={200: TrainingRunSerializer(many=True), **errors(404)},
    )
)
class RunList(generics.ListAPIView):
    serializer_class = TrainingRunSerializer

    def get_queryset(self):
        self.classifier = owned_classifier(self.request.user, self.kwargs["classifier_id"])
        return classifier_runs(self.classifier)

    def get_serializer_context(self) -> dict:
        # The classes once for the whole page, for the runs' suggestions.
        return {**super().get_serializer_context(), "labels": classifier_labels(self.classifier.id)}


class RunDetail(generics.GenericAPIView):
    @extend_schema(
        summary="Follow a training run", tags=["training"], responses={200: TrainingRunSerializer, **errors(404)}
    )
    def get(self, request: Request, classifier_id: UUID, run_id: UUID) -> Response:
        run = owned_run(request.user, classifier_id, run_id)
        context = {"request": request, "labels": classifier_labels(classifier_id)}
        return Response(TrainingRunSerializer(run, context=context).data)


class RunCancel(generics.GenericAPIView):
    @extend_schema(
        summary="Cancel a training run",
        description=(
            "A queued run ends at once; a running one is cancelled now and its worker stops at its next progress "
            "report. Either way the active version stays as it was, and the classifier can be trained again at "
            "once. 409 when the run has already ended."
        ),
        tags=["training"],
        request=None,
        responses={202: TrainingRunSerializer, **errors(404, 409)},
    )
    def post(self, request: Request, classifier_id: UUID, run_id: UUID) -> Response:
        run = training_run_cancel(run=owned_run(request.user, classifier_id, run_id))
        context = {"request": request, "labels": classifier_labels(classifier_id)}
        return Response(TrainingRunSerializer(run, context=context).data, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(
    get=extend_schema(
        summary="List trained versions, newest first",
        tags=["training"],
        responses={200: ModelVersionSerializer(many=True), **errors(404)},
    )
)
class VersionList(generics.ListAPIView):
    serializer_class = ModelVersionSerializer

    def get_queryset(self):
        self.classifier = owned_classifier(self.request.user, self.kwargs["classifier_id"])
        return classifier_versions(self.classifier)

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "active_version_id": self.classifier.active_version_id}


class VersionActivate(generics.GenericAPIView):
    @extend_schema(
        summary="Make a version the one that answers predictions",
        tags=["training"],
        request=None,
        responses={200: ModelVersionSerializer, **errors(404, 409)},
    )
    def post(self, request: Request, classifier_id: UUID, number: int) -> Response:
        classifier = owned_classifier(request.user, classifier_id)
        version = version_activate(classifier=classifier, number=number)
        context = {"active_version_id": version.id}
        return Response(ModelVersionSerializer(version, context=context).data)


class Export(generics.GenericAPIView):
    content_negotiation_class = JsonErrorsOnly

    @extend_schema(
        summary="Download a model (ONNX + labels, zip)",
        description=(
            "The trained model as ONNX with its class names and preprocessing, to run without NanoWeb: the "
            "active version, or any other with `?version=N` (404 when there is no such version)."
        ),
        tags=["training"],
        parameters=[VERSION_PARAMETER],
        responses={(200, "application/zip"): OpenApiTypes.BINARY, **errors(400, 404, 409, 503)},
    )
    def get(self, request: Request, classifier_id: UUID) -> HttpResponse:
        filename, data = model_export(classifier=owned_classifier(request.user, classifier_id),
                                      version_number=version_number_param(request))
        response = HttpResponse(data, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
