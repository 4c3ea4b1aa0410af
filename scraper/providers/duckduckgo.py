"""DuckDuckGo image search through ddgs's DuckduckgoImages engine (100 results a page, no licence data)."""

from __future__ import annotations

from ddgs.engines.duckduckgo_images import DuckduckgoImages
from ddgs.utils import _extract_vqd
from django.conf import settings

from scraper.providers.ddgs_engine import DdgsProvider, StatusKept


class _Engine(StatusKept, DuckduckgoImages):
    def __init__(self, base_url: str, timeout: int) -> None:
        super().__init__(timeout=timeout)
        self.base_url = base_url.rstrip("/")
        self.search_url = f"{self.base_url}/i.js"

    def _get_vqd(self, query: str) -> str:
        # ddgs's own method with its fixed "https://duckduckgo.com" replaced by the configured base.
        content = self.http_client.request("GET", self.base_url, params={"q": query}).content
        return _extract_vqd(content, query)


class DuckDuckGo(DdgsProvider):
    name = "duckduckgo"
    title = "DuckDuckGo"

    def __init__(self) -> None:
        super().__init__(_Engine(settings.DUCKDUCKGO_URL, settings.SEARCH_PROVIDER_TIMEOUT))
