"""OpenAPI pieces shared by the views: the responses every endpoint can give, and the
Bearer security scheme that makes the docs page's Authorize button ask for an API key."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse

from classifiers.api.serializers.shared import ErrorSerializer

_WHY = {
    400: "Bad input: `details.fields` (or `details.field`) says which field, `message` says why.",
    401: "No API key, or a wrong or revoked one.",
    404: "No such object among yours (another person's objects are not found either), or a page past the end.",
    409: "Not possible in the current state, e.g. a training run is already going, or nothing is trained yet.",
    413: "The request body is larger than the server accepts.",
    415: "Not an image, or a body type this endpoint does not take.",
    429: "Too many requests for this key: wait `details.retry_after` seconds (also in Retry-After).",
    503: "The task queue or storage cannot do this right now (nothing was saved); `message` says what to do.",
}


def errors(*statuses: int) -> dict[int, OpenApiResponse]:
    """Error responses for an endpoint: the given statuses plus 401 and 429, which every endpoint can give."""
    return {
        status: OpenApiResponse(ErrorSerializer, description=_WHY[status]) for status in sorted({401, 429, *statuses})
    }


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiKeyAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: object) -> dict:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key from POST /api/v1/auth/keys/ or the API page: `Authorization: Bearer nw_...`",
        }
