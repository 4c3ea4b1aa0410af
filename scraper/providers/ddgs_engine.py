"""Shared use of the `ddgs` package's image engines: its request building and result parsing are
maintained against the live sites, so NanoWeb does not hand-parse search pages.

ddgs hard-codes the sites' addresses. Our subclasses only swap the base address for the one in settings
(NANOWEB_DUCKDUCKGO_URL / NANOWEB_BING_URL, the real sites by default) so tests can run the same code against
a local stand-in.
"""

from __future__ import annotations

from typing import Any

from ddgs.base import BaseSearchEngine
from ddgs.exceptions import DDGSException, TimeoutException

from scraper.providers import Cursor, ImageHit, ProviderError, SearchPage, to_int


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
    except DDGSException as exc:
        raise ProviderError(f"{title} could not be searched: {_short(exc)}", code="provider_failed") from None
    except ValueError:  # a page that is not the JSON/HTML the engine expects
        raise ProviderError(f"{title} answered in a format NanoWeb does not know.", code="bad_response") from None
    if results is None:
        if page == 1:
            raise ProviderError(f"{title} refused the search (it answered with an error page).",
                                code="provider_failed")
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
    return text[:200]
