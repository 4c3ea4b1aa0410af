"""`?version=N`: predict and export answer with any of a classifier's versions, not only the active one."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request

from nanoweb.errors import InvalidInput

VERSION_PARAMETER = OpenApiParameter(
    "version", OpenApiTypes.INT, OpenApiParameter.QUERY, required=False,
    description="The number of the version to use (see GET .../versions/); the active version when left out. "
                "404 when the classifier has no such version.",
)


def version_number_param(request: Request) -> int | None:
    """The `version` query parameter as a number, None when it is not given; 400 in words when it is no number."""
    value = request.query_params.get("version", "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise InvalidInput("version: give a version number, such as 1.", details={"field": "version"})
    return int(value)
