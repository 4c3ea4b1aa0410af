"""Shared use of the `ddgs` package's image engines: its request building and result parsing are
maintained against the live sites, so NanoWeb does not hand-parse search pages.

ddgs hard-codes the sites' addresses. Our subclasses only swap the base address for the one in settings
(NANOWEB_DUCKDUCKGO_URL / NANOWEB_BING_URL, the real sites by default) so tests can run the same code against
a local stand-in.
"""

from __future__ import annotations

import textwrap
from typing import Any

import primp
from ddgs.base import BaseSearchEngine
from ddgs.exceptions import DDGSException, RatelimitException, TimeoutException

from scraper.providers import REFUSED, REFUSING_STATUSES, Cursor, ImageHit, ProviderError, SearchPage, to_int

MAX_DETAIL = 300  # characters of a raw error kept for the "details" fold, cut between words


class StatusKept:
    """Mixed into an engine: ddgs answers None for any status but 200; the status tells a block from a fault."""

    last_status: int | None = None

    def request(self, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN401 - ddgs's own signature
        resp = self.http_client.request(*args, **kwargs)
        self.last_status = resp.status_code
        return resp.text if resp.status_code == 200 else None


class DdgsProvider:
    """A provider backed by one ddgs engine; pages are numbered from 1."""

    name = ""
    title = ""

    def __init__(self, engine: BaseSearchEngine[Any]) -> None:
        self.engine = engine

    def search(self, query: str, *, cursor: Cursor | None, per_page: int) -> SearchPage:
        # per_page is not passed on: ddgs pages at a fixed size (100 for DuckDuckGo, 35 for Bing), which keeps
        # page n+1 following page n.
        return search_engine(self.engine, query, page=int((cursor or {}).get("page", 1)), title=self.title)


def search_engine(engine: BaseSearchEngine[Any], query: str, *, page: int, title: str, **kwargs: str) -> SearchPage:
    try:
        results = engine.search(query, page=page, **kwargs)
    except TimeoutException:
        raise ProviderError(f"{title} did not answer in time.", code="timeout") from None
    except RatelimitException as exc:
        raise ProviderError(f"{title} refused the search: {_short(exc)}", code="rate_limited") from None
    except DDGSException as exc:
        if isinstance(exc.__cause__, (primp.ConnectError, primp.DNSError)):
            raise ProviderError(f"Could not connect to {title}: {_short(exc)}", code="connection_failed") from None
        if "Could not extract vqd" in str(exc):
            raise ProviderError(f"{title} could not be searched: {_short(exc)}", code="provider_failed",
                                kind=REFUSED) from None
        raise ProviderError(f"{title} could not be searched: {_short(exc)}", code="provider_failed") from None
    except ValueError:  # a page that is not the JSON/HTML the engine expects
        raise ProviderError(f"{title} answered in a format NanoWeb does not know.", code="bad_response") from None
    if results is None:
        status = getattr(engine, "last_status", None)
        if page == 1:
            answered = f"it answered {status}" if status else "it answered with an error page"
            raise ProviderError(f"{title} refused the search ({answered}).", code="http_error", status=status,
                                kind=REFUSED if status in REFUSING_STATUSES or status is None else None)
        return SearchPage(hits=[], next=None)
    hits = [
        ImageHit(image_url=r.image, page_url=r.url or "", title=r.title or "", width=to_int(r.width),
                 height=to_int(r.height))
        for r in results
        if getattr(r, "image", "")
    ]
    return SearchPage(hits=hits, next={"page": page + 1} if hits else None)


def _short(exc: Exception) -> str:
    text = str(exc)
    if "Could not extract vqd" in text:
        return "its answer did not contain a search token (the site may be blocking automated searches)."
    return textwrap.shorten(" ".join(text.split()), MAX_DETAIL, placeholder=" …")
