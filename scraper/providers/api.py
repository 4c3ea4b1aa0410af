"""JSON GETs to the search APIs named in settings, with the provider's name in every error."""

from __future__ import annotations

import json

from django.conf import settings

from scraper.providers import ProviderError
from scraper.safehttp import FetchError, fetch

MAX_API_BYTES = 5 * 1024 * 1024


def get_json(url: str, *, params: dict, provider_title: str) -> dict:
    # guarded=False: the endpoint is the operator's own setting (a mirror or stand-in may sit on a private
    # network); the image URLs it returns go through the guarded fetch like any other.
    try:
        fetched = fetch(url, max_bytes=MAX_API_BYTES, guarded=False, accept="application/json", params=params,
                        timeout=settings.SEARCH_PROVIDER_TIMEOUT)
    except FetchError as exc:
        raise ProviderError(f"{provider_title}: {exc.message}", code=exc.code, status=exc.status) from None
    try:
        data = json.loads(fetched.content)
    except (ValueError, UnicodeDecodeError):
        raise ProviderError(f"{provider_title} answered with something that is not JSON.",
                            code="bad_response") from None
    if not isinstance(data, dict):
        raise ProviderError(f"{provider_title} answered in a format NanoWeb does not know.", code="bad_response")
    return data
