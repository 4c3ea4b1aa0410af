"""Openverse: openly licensed images. `GET {base}images/?q=...&page=...&page_size=...`.

Every result carries licence, licence version, creator and the landing page; nullable fields are read as
empty. Anonymous clients may only page so deep: a 4xx past the first page means the results ran out.
"""

from __future__ import annotations

from urllib.parse import urljoin

from django.conf import settings

from scraper.providers import Cursor, ImageHit, ProviderError, SearchPage, to_int
from scraper.providers.api import get_json

MAX_PAGE_SIZE = 20  # the most an anonymous client is served per page

_NAMES = {"cc0": "CC0", "pdm": "Public Domain Mark", "sampling+": "CC Sampling+", "nc-sampling+": "CC NC-Sampling+"}


class Openverse:
    name = "openverse"
    title = "Openverse"

    def search(self, query: str, *, cursor: Cursor | None, per_page: int) -> SearchPage:
        page = int((cursor or {}).get("page", 1))
        url = urljoin(settings.OPENVERSE_API_URL if settings.OPENVERSE_API_URL.endswith("/")
                      else settings.OPENVERSE_API_URL + "/", "images/")
        params = {"q": query, "page": str(page), "page_size": str(max(1, min(per_page, MAX_PAGE_SIZE)))}
        try:
            data = get_json(url, params=params, provider_title=self.title)
        except ProviderError as exc:
            if page > 1 and exc.status in (400, 401, 403, 404):
                return SearchPage(hits=[], next=None)
            raise
        results = data.get("results")
        if not isinstance(results, list):
            raise ProviderError(f"{self.title} answered without a list of results.", code="bad_response")
        hits = [hit for item in results if isinstance(item, dict) and (hit := _hit(item))]
        page_count = to_int(data.get("page_count"))
        more = bool(results) and (page < page_count if page_count else len(results) >= int(params["page_size"]))
        return SearchPage(hits=hits, next={"page": page + 1} if more else None)


def _hit(item: dict) -> ImageHit | None:
    image_url = item.get("url") or ""
    if not isinstance(image_url, str) or not image_url:
        return None
    image_url = urljoin(settings.OPENVERSE_API_URL, image_url)
    return ImageHit(
        image_url=image_url,
        page_url=item.get("foreign_landing_url") or "",
        title=item.get("title") or "",
        license=license_name(item.get("license") or "", item.get("license_version") or ""),
        license_url=item.get("license_url") or "",
        author=item.get("creator") or "",
        width=to_int(item.get("width")),
        height=to_int(item.get("height")),
    )


def license_name(code: str, version: str) -> str:
    """"by-sa" + "2.0" -> "CC BY-SA 2.0", "cc0" + "1.0" -> "CC0 1.0", as people write them."""
    if not code:
        return ""
    name = _NAMES.get(code.lower(), f"CC {code.upper()}")
    return f"{name} {version}".strip()
