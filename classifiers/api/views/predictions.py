"""The prediction log: a classifier's answers newest first, one answer and its kept image, and the figures of
how it has been answering (the same as its Answers page)."""

from __future__ import annotations

from uuid import UUID

from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from classifiers.api.schema import errors
from classifiers.api.serializers.predictions import (
    LoggedPredictionSerializer,
    PredictionPageSerializer,
    PredictionStatsSerializer,
)
from classifiers.api.views.images import JsonErrorsOnly
from classifiers.photo_files import prediction_photo_response
from classifiers.selectors.owned import owned_classifier, owned_prediction
from classifiers.selectors.predictions import (
    DEFAULT_DAYS,
    MAX_DAYS,
    Cursor,
    prediction_page,
    prediction_stats,
    retention_days,
)
from nanoweb.errors import InvalidInput

DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 50, 500
VERSION = OpenApiParameter("version", int, description="Only the answers of this version.")


def _number(request: Request, name: str, default: int | None, low: int, high: int) -> int | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise InvalidInput(f"{name} must be a whole number from {low} to {high}.", details={"field": name})
    return value


class PredictionList(generics.GenericAPIView):
    @extend_schema(
        # A GET without a list serializer gets the retrieve name, the same as PredictionDetail's: name it.
        operation_id="classifiers_predictions_list",
        summary="List logged answers, newest first",
        description=(
            "Every answer the classifier gave (API, try-it page, share links), kept for its retention days. "
            "Paged by a cursor: follow `next` until it is null (`before` is that cursor)."
        ),
        tags=["predictions"],
        parameters=[
            VERSION,
            OpenApiParameter("page_size", int, description=f"1 to {MAX_PAGE_SIZE}, {DEFAULT_PAGE_SIZE} by default."),
            OpenApiParameter("before", str, description="The cursor of a `next` link."),
        ],
        responses={200: PredictionPageSerializer, **errors(400, 404)},
    )
    def get(self, request: Request, classifier_id: UUID) -> Response:
        classifier = owned_classifier(request.user, classifier_id)
        size = _number(request, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
        version = _number(request, "version", None, 1, 2**31 - 1)
        rows, older = prediction_page(classifier, after=Cursor.parse(request.query_params.get("before")),
                                      size=size, version=version)
        following = replace_query_param(request.build_absolute_uri(), "before", older.token()) if older else None
        results = LoggedPredictionSerializer(rows, many=True, context={"request": request}).data
        return Response({"next": following, "results": results})


class PredictionDetail(generics.GenericAPIView):
    @extend_schema(summary="One logged answer", tags=["predictions"],
                   responses={200: LoggedPredictionSerializer, **errors(404)})
    def get(self, request: Request, classifier_id: UUID, prediction_id: UUID) -> Response:
        row = owned_prediction(request.user, classifier_id, prediction_id)
        return Response(LoggedPredictionSerializer(row, context={"request": request}).data)


class PredictionImage(generics.GenericAPIView):
    content_negotiation_class = JsonErrorsOnly

    @extend_schema(summary="The small copy of the image kept with a logged answer (JPEG)", tags=["predictions"],
                   responses={(200, "image/jpeg"): OpenApiTypes.BINARY, **errors(404)})
    def get(self, request: Request, classifier_id: UUID, prediction_id: UUID) -> FileResponse:
        row = owned_prediction(request.user, classifier_id, prediction_id)
        if not row.photo:
            raise Http404("No copy of this image was kept.")
        return prediction_photo_response(row)


class PredictionStats(generics.GenericAPIView):
    @extend_schema(
        summary="How the classifier has been answering",
        description=(
            "Answers a day, the share of none of these, confidence in ten buckets and latency percentiles, in all "
            "and per version, over the last `days` days (today included, UTC): the figures of its Answers page."
        ),
        tags=["predictions"],
        parameters=[VERSION, OpenApiParameter("days", int, description=f"1 to {MAX_DAYS}, {DEFAULT_DAYS} by default.")],
        responses={200: PredictionStatsSerializer, **errors(400, 404)},
    )
    def get(self, request: Request, classifier_id: UUID) -> Response:
        classifier = owned_classifier(request.user, classifier_id)
        days = _number(request, "days", DEFAULT_DAYS, 1, MAX_DAYS)
        version = _number(request, "version", None, 1, 2**31 - 1)
        stats = prediction_stats(classifier=classifier, days=days, version=version)
        body = {
            "since": stats.since, "until": stats.until, "version": stats.version,
            "retention_days": retention_days(classifier), "total": stats.total,
            "per_day": [{"day": day, "answers": counts.answers, "unknown": counts.unknown,
                         "unknown_share": counts.unknown_share, "latency_ms": counts.latency_ms}
                        for day, counts in stats.days],
            "per_version": [{"version": number, **_fields(counts)} for number, counts in stats.versions],
        }
        return Response(PredictionStatsSerializer(body).data)


def _fields(counts) -> dict:
    """A Counts' figures by name, for a day or a version, which add their own beside them."""
    return {"answers": counts.answers, "unknown": counts.unknown, "unknown_share": counts.unknown_share,
            "confidence_buckets": counts.confidence_buckets, "latency_ms": counts.latency_ms}
