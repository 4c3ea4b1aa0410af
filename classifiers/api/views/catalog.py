"""Classifiers and their labels (classes): list, create, read, rename, delete."""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response

from classifiers.api.schema import errors
from classifiers.api.serializers.catalog import (
    ClassifierCreateSerializer,
    ClassifierSerializer,
    ClassifierUpdateSerializer,
    LabelSerializer,
    LabelWriteSerializer,
)
from classifiers.models import Classifier, Label
from classifiers.selectors.catalog import classifiers_with_labels, labels_with_counts
from classifiers.selectors.owned import owned_classifier, owned_label
from classifiers.services.catalog import (
    classifier_create,
    classifier_delete,
    classifier_update,
    label_create,
    label_delete,
    label_rename,
)


def classifier_out(request: Request, classifier_id: UUID) -> dict:
    """Read back through the same query the list uses, so every answer has the same fields."""
    return ClassifierSerializer(
        classifiers_with_labels(request.user).get(id=classifier_id), context={"request": request}
    ).data


def label_out(label: Label) -> dict:
    return LabelSerializer(labels_with_counts().get(id=label.id)).data


@extend_schema_view(
    get=extend_schema(
        summary="List your classifiers",
        tags=["classifiers"],
        responses={200: ClassifierSerializer(many=True), **errors(404)},
    )
)
class ClassifierListCreate(generics.ListAPIView):
    serializer_class = ClassifierSerializer

    def get_queryset(self):
        return classifiers_with_labels(self.request.user)

    @extend_schema(
        summary="Create a classifier with its classes",
        tags=["classifiers"],
        request=ClassifierCreateSerializer,
        responses={201: ClassifierSerializer, **errors(400, 413, 415)},
    )
    def post(self, request: Request) -> Response:
        body = ClassifierCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        classifier = classifier_create(owner=request.user, name=data["name"], label_names=data["labels"])
        if data["open_licenses_only"]:
            classifier_update(classifier=classifier, open_licenses_only=True)
        return Response(classifier_out(request, classifier.id), status=status.HTTP_201_CREATED)


class ClassifierDetail(generics.GenericAPIView):
    @extend_schema(
        summary="Get a classifier", tags=["classifiers"], responses={200: ClassifierSerializer, **errors(404)}
    )
    def get(self, request: Request, classifier_id: UUID) -> Response:
        owned_classifier(request.user, classifier_id)
        return Response(classifier_out(request, classifier_id))

    @extend_schema(
        summary="Rename a classifier or change its options",
        tags=["classifiers"],
        request=ClassifierUpdateSerializer,
        responses={200: ClassifierSerializer, **errors(400, 404, 413, 415)},
    )
    def patch(self, request: Request, classifier_id: UUID) -> Response:
        classifier = owned_classifier(request.user, classifier_id)
        body = ClassifierUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        classifier_update(classifier=classifier, **body.validated_data)
        return Response(classifier_out(request, classifier_id))

    @extend_schema(
        summary="Delete a classifier with its photos and models",
        tags=["classifiers"],
        responses={204: OpenApiResponse(description="Deleted."), **errors(404)},
    )
    def delete(self, request: Request, classifier_id: UUID) -> Response:
        classifier_delete(classifier=owned_classifier(request.user, classifier_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    get=extend_schema(
        summary="List a classifier's classes",
        tags=["labels"],
        responses={200: LabelSerializer(many=True), **errors(404)},
    )
)
class LabelListCreate(generics.ListAPIView):
    serializer_class = LabelSerializer

    def get_queryset(self):
        return labels_with_counts(owned_classifier(self.request.user, self.kwargs["classifier_id"]))

    @extend_schema(
        summary="Add a class",
        tags=["labels"],
        request=LabelWriteSerializer,
        responses={201: LabelSerializer, **errors(400, 404, 409, 413, 415)},
    )
    def post(self, request: Request, classifier_id: UUID) -> Response:
        classifier: Classifier = owned_classifier(request.user, classifier_id)
        body = LabelWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        label = label_create(classifier=classifier, name=body.validated_data["name"])
        return Response(label_out(label), status=status.HTTP_201_CREATED)


class LabelDetail(generics.GenericAPIView):
    @extend_schema(summary="Get a class", tags=["labels"], responses={200: LabelSerializer, **errors(404)})
    def get(self, request: Request, classifier_id: UUID, label_id: UUID) -> Response:
        return Response(label_out(owned_label(request.user, classifier_id, label_id)))

    @extend_schema(
        summary="Rename a class",
        tags=["labels"],
        request=LabelWriteSerializer,
        responses={200: LabelSerializer, **errors(400, 404, 409, 413, 415)},
    )
    def patch(self, request: Request, classifier_id: UUID, label_id: UUID) -> Response:
        label = owned_label(request.user, classifier_id, label_id)
        body = LabelWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(label_out(label_rename(label=label, name=body.validated_data["name"])))

    @extend_schema(
        summary="Delete a class with its photos",
        tags=["labels"],
        responses={204: OpenApiResponse(description="Deleted."), **errors(404)},
    )
    def delete(self, request: Request, classifier_id: UUID, label_id: UUID) -> Response:
        label_delete(label=owned_label(request.user, classifier_id, label_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
