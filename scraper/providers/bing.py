"""Bing image search through ddgs's BingImages engine (licence unknown; the page URL is kept)."""

from __future__ import annotations

from ddgs.engines.bing_images import BingImages
from django.conf import settings

from scraper.providers import Cursor, SearchPage
from scraper.providers.ddgs_engine import search_engine


class _Engine(BingImages):
    def __init__(self, base_url: str, timeout: int) -> None:
        super().__init__(timeout=timeout)
        self.search_url = f"{base_url.rstrip('/')}/images/async"


class Bing:
    name = "bing"
    title = "Bing"

    def __init__(self) -> None:
        self.engine = _Engine(settings.BING_URL, settings.SEARCH_PROVIDER_TIMEOUT)

    def search(self, query: str, *, cursor: Cursor | None, per_page: int) -> SearchPage:
        page = int((cursor or {}).get("page", 1))
        # ddgs asks Bing for 35 a page and moves `first` by the same count; a fixed size keeps pages aligned.
        return search_engine(self.engine, query, page=page, title=self.title)
