"""Web searches for photos of one class: start one, follow it, cancel it."""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response

from classifiers.api.schema import errors
from classifiers.api.serializers.search import (
    FindMoreSerializer,
    LabelYieldSerializer,
    SearchJobSerializer,
    SearchSerializer,
)
from classifiers.selectors.owned import owned_classifier, owned_label, owned_search_job
from classifiers.selectors.search import classifier_search_yields, label_search_jobs, search_job_with_yield
from classifiers.services.search_jobs import search_job_cancel, search_job_create, search_job_find_more


def start_search(request: Request, classifier_id: UUID, label_id: UUID, serializer, service) -> Response:
    """202 with the job a search service queued for the caller's class, from a checked body."""
    label = owned_label(request.user, classifier_id, label_id)
    body = serializer(data=request.data)
    body.is_valid(raise_exception=True)
    job = service(label=label, **body.validated_data)
    return Response(SearchJobSerializer(search_job_with_yield(job)).data, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(
    get=extend_schema(
        summary="List a class's web searches",
        tags=["search"],
        responses={200: SearchJobSerializer(many=True), **errors(404)},
    )
)
class LabelSearch(generics.ListAPIView):
    serializer_class = SearchJobSerializer

    def get_queryset(self):
        return label_search_jobs(owned_label(self.request.user, self.kwargs["classifier_id"], self.kwargs["label_id"]))

    @extend_schema(
        summary="Search the web for photos of a class",
        description=(
            "Starts a background job that searches, downloads, checks and adds up to `count` photos. Answers "
            "202 at once; follow the job at GET /api/v1/search-jobs/{id}/ until its status is succeeded, "
            "failed or cancelled. Photos already added stay even if the job fails later."
        ),
        tags=["search"],
        request=SearchSerializer,
        responses={202: SearchJobSerializer, **errors(400, 404, 409, 413, 415, 503)},
    )
    def post(self, request: Request, classifier_id: UUID, label_id: UUID) -> Response:
        return start_search(request, classifier_id, label_id, SearchSerializer, search_job_create)


class SearchJobDetail(generics.GenericAPIView):
    @extend_schema(
        summary="Follow a web search",
        description="Its status, live counts, and its yield from asked to usable photos.",
        tags=["search"],
        responses={200: SearchJobSerializer, **errors(404)},
    )
    def get(self, request: Request, job_id: UUID) -> Response:
        return Response(SearchJobSerializer(search_job_with_yield(owned_search_job(request.user, job_id))).data)


class SearchJobCancel(generics.GenericAPIView):
    @extend_schema(
        summary="Stop a web search",
        description="Photos it already added stay.",
        tags=["search"],
        request=None,
        responses={202: SearchJobSerializer, **errors(404)},
    )
    def post(self, request: Request, job_id: UUID) -> Response:
        job = search_job_cancel(job=owned_search_job(request.user, job_id))
        return Response(SearchJobSerializer(search_job_with_yield(job)).data, status=status.HTTP_202_ACCEPTED)


class FindMore(generics.GenericAPIView):
    @extend_schema(
        summary="Find more photos of a class, held for review",
        description=(
            "A web search that adds up to `count` photos to what the class has now. Its photos are flagged like "
            "any others and wait for review: they are not trained on until kept (POST .../review/ with "
            "action keep). Answers 202 with the job; follow it at GET /api/v1/search-jobs/{id}/."
        ),
        tags=["search"],
        request=FindMoreSerializer,
        responses={202: SearchJobSerializer, **errors(400, 404, 409, 413, 415, 503)},
    )
    def post(self, request: Request, classifier_id: UUID, label_id: UUID) -> Response:
        return start_search(request, classifier_id, label_id, FindMoreSerializer, search_job_find_more)


class SearchYield(generics.GenericAPIView):
    pagination_class = None  # one row a class: a short, whole list

    @extend_schema(
        summary="What the web searches yielded, per class",
        description=(
            "For each class, its searches added up: asked, found, saved, duplicates, refused by reason, and of "
            "the saved photos how many are usable (not flagged, not waiting for review), flagged, waiting, "
            "moved or dropped, with a summary such as 'asked 50 → found 80 → saved 40 (...) → 37 usable'."
        ),
        tags=["search"],
        responses={200: LabelYieldSerializer(many=True), **errors(404)},
    )
    def get(self, request: Request, classifier_id: UUID) -> Response:
        rows = classifier_search_yields(owned_classifier(request.user, classifier_id))
        return Response(LabelYieldSerializer(rows, many=True).data)
