"""Photo credits: every photo's provider, addresses, title, author, licence and date, as CSV or JSON."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpResponse
from django.utils.text import slugify
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request

from classifiers.api.schema import errors
from classifiers.api.views.images import JsonErrorsOnly
from classifiers.attribution import attribution_csv, attribution_json
from classifiers.selectors.owned import owned_classifier

TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


class Attribution(generics.GenericAPIView):
    content_negotiation_class = JsonErrorsOnly
    fmt = "json"

    @extend_schema(
        summary="Download the photo credits",
        description=(
            "One row a photo: class, provider, source_url, page_url, title, author, license, license_url, "
            "fetched_at, original_name, id. attribution.csv for a spreadsheet (cells that would start a formula "
            "are quoted), attribution.json for programs ({'classifier', 'photos': [...]})."
        ),
        tags=["images"],
        responses={(200, "text/csv"): OpenApiTypes.BINARY, (200, "application/json"): OpenApiTypes.OBJECT,
                   **errors(404)},
    )
    def get(self, request: Request, classifier_id: UUID) -> HttpResponse:
        classifier = owned_classifier(request.user, classifier_id)
        write = attribution_csv if self.fmt == "csv" else attribution_json
        response = HttpResponse(write(classifier=classifier), content_type=TYPES[self.fmt])
        name = slugify(classifier.name) or "classifier"
        response["Content-Disposition"] = f'attachment; filename="{name}-photo-credits.{self.fmt}"'
        return response
