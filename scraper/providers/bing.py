"""Bing image search through ddgs's BingImages engine (licence unknown; the page URL is kept)."""

from __future__ import annotations

from ddgs.engines.bing_images import BingImages
from django.conf import settings

from scraper.providers.ddgs_engine import DdgsProvider, StatusKept


class _Engine(StatusKept, BingImages):
    def __init__(self, base_url: str, timeout: int) -> None:
        super().__init__(timeout=timeout)
        self.search_url = f"{base_url.rstrip('/')}/images/async"


class Bing(DdgsProvider):
    name = "bing"
    title = "Bing"

    def __init__(self) -> None:
        super().__init__(_Engine(settings.BING_URL, settings.SEARCH_PROVIDER_TIMEOUT))
