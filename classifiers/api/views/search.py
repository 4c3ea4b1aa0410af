"""Web searches for photos of one class: start one, follow it, cancel it."""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response

from classifiers.api.lookups import owned_label, owned_search_job
from classifiers.api.schema import errors
from classifiers.api.serializers import SearchJobSerializer, SearchSerializer
from scraper.services import search_job_cancel, search_job_create


class LabelSearch(generics.ListAPIView):
    serializer_class = SearchJobSerializer

    def get_queryset(self):
        label = owned_label(self.request.user, self.kwargs["classifier_id"], self.kwargs["label_id"])
        return label.search_jobs.order_by("-created_at")

    @extend_schema(
        summary="List a class's web searches",
        tags=["search"],
        responses={200: SearchJobSerializer(many=True), **errors(404)},
    )
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)

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
        label = owned_label(request.user, classifier_id, label_id)
        body = SearchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        job = search_job_create(label=label, **body.validated_data)
        return Response(SearchJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class SearchJobDetail(generics.GenericAPIView):
    @extend_schema(summary="Follow a web search", tags=["search"], responses={200: SearchJobSerializer, **errors(404)})
    def get(self, request: Request, job_id: UUID) -> Response:
        return Response(SearchJobSerializer(owned_search_job(request.user, job_id)).data)


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
        return Response(SearchJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
