"""Search providers behind one small interface: a query and a cursor in, a page of image hits out.

Each provider lives in its own module; `get_provider(name)` builds one. A provider raises ProviderError, in
words, when its service fails; the search job records that and carries on with the next provider.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

# Where to continue: provider-specific (a page number, or the MediaWiki "continue" parameters).
Cursor = dict[str, str | int]


@dataclass(frozen=True)
class ImageHit:
    image_url: str
    page_url: str = ""
    title: str = ""
    license: str = ""
    license_url: str = ""
    author: str = ""
    width: int | None = None
    height: int | None = None
    # Tried when image_url answers with an HTTP error (a rendition that is missing: the original instead).
    alternate_url: str = ""


@dataclass(frozen=True)
class SearchPage:
    hits: list[ImageHit]
    next: Cursor | None  # None: the results have run out


# What went wrong, as a person would need to know it (each kind gets its own advice on the pages):
UNREACHABLE = "unreachable"  # no answer at all: no network, the name does not resolve, nothing listens
REFUSED = "refused"  # the service answered but would not search for us: blocked, or too many searches
FAILED = "failed"  # anything else: an answer NanoWeb could not read, a server error
# HTTP statuses a search service answers with when it blocks or rate-limits automated searches.
REFUSING_STATUSES = {401, 403, 429, 451}


class ProviderError(Exception):
    """`message` says what happened in one sentence (the raw detail for those who look); `kind` is one of
    UNREACHABLE, REFUSED and FAILED, from `code` and `status` unless given."""

    def __init__(self, message: str, *, code: str = "provider_failed", status: int | None = None,
                 kind: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.kind = kind or kind_of(code, status)


def kind_of(code: str, status: int | None) -> str:
    if code in ("connection_failed", "timeout"):
        return UNREACHABLE
    if code == "rate_limited" or (code == "http_error" and status in REFUSING_STATUSES):
        return REFUSED
    return FAILED


class Provider(Protocol):
    name: str
    title: str  # shown to people: "Wikimedia Commons"

    def search(self, query: str, *, cursor: Cursor | None, per_page: int) -> SearchPage: ...


def get_provider(name: str) -> Provider:
    from scraper.providers import bing, commons, duckduckgo, openverse

    providers = {"duckduckgo": duckduckgo.DuckDuckGo, "bing": bing.Bing, "commons": commons.Commons,
                 "openverse": openverse.Openverse}
    if name not in providers:
        raise ValueError(f"unknown search provider {name!r}")
    return providers[name]()


def to_int(value: object) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None
