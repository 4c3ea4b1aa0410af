"""Wikimedia Commons through the MediaWiki Action API.

One request both searches and describes: `generator=search` over the File namespace (gsrnamespace=6)
feeds `prop=imageinfo` (url, mime, size, extmetadata). Licence and author come from extmetadata; the
response's `continue` object is sent back as-is for the next page (gsroffset). Both JSON format versions
are read: `query.pages` as an object keyed by page id (formatversion=1, the default) or as a list (2).
"""

from __future__ import annotations

from urllib.parse import unquote, urljoin

from bs4 import BeautifulSoup
from django.conf import settings

from scraper.providers import Cursor, ImageHit, ProviderError, SearchPage, to_int
from scraper.providers.api import get_json

# Photos only: drawings (SVG), documents and media files are not training photos.
PHOTO_MIMES = {"image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp", "image/avif"}
MAX_LIMIT = 50  # gsrlimit allowed to anonymous clients with imageinfo


class Commons:
    name = "commons"
    title = "Wikimedia Commons"

    def search(self, query: str, *, cursor: Cursor | None, per_page: int) -> SearchPage:
        params = {
            "action": "query", "format": "json", "generator": "search", "gsrnamespace": "6",
            "gsrsearch": query, "gsrlimit": str(max(1, min(per_page, MAX_LIMIT))),
            "prop": "imageinfo", "iiprop": "url|mime|size|extmetadata",
            # A 1024 px rendition is all NanoWeb keeps; originals can be 50 MB.
            "iiurlwidth": str(settings.IMAGE_MAX_SIDE),
        }
        params.update({key: str(value) for key, value in (cursor or {}).items()})
        data = get_json(settings.COMMONS_API_URL, params=params, provider_title=self.title)
        if "error" in data:
            error = data["error"] if isinstance(data["error"], dict) else {}
            info = error.get("info") or error.get("code") or "an unknown error"
            raise ProviderError(f"{self.title} refused the search: {info}", code="bad_response")
        pages = (data.get("query") or {}).get("pages") or []
        if isinstance(pages, dict):
            pages = list(pages.values())
        pages = sorted((p for p in pages if isinstance(p, dict)), key=lambda p: p.get("index", 0))
        hits = [hit for page in pages if (hit := _hit(page))]
        next_cursor = data.get("continue")
        if not isinstance(next_cursor, dict) or not next_cursor:
            next_cursor = None
        return SearchPage(hits=hits, next=next_cursor)


def _hit(page: dict) -> ImageHit | None:
    infos = page.get("imageinfo") or []
    if not infos or not isinstance(infos[0], dict):
        return None
    info = infos[0]
    mime = info.get("mime") or ""
    # A TIFF scan is fine through its thumbnail, which Commons renders as JPEG.
    if mime and mime not in PHOTO_MIMES and not (mime == "image/tiff" and info.get("thumburl")):
        return None
    original, rendition = _absolute(info.get("url")), _absolute(info.get("thumburl"))
    image_url = rendition or original
    if not image_url:
        return None
    meta = info.get("extmetadata") or {}
    title = _text(meta, "ObjectName") or _file_title(page.get("title", ""))
    license_name = _text(meta, "LicenseShortName") or _text(meta, "UsageTerms") or _text(meta, "License")
    return ImageHit(
        image_url=image_url,
        page_url=info.get("descriptionurl") or "",
        title=title,
        license=license_name,
        license_url=_text(meta, "LicenseUrl"),
        author=_text(meta, "Artist") or _text(meta, "Credit"),
        width=to_int(info.get("width")),
        height=to_int(info.get("height")),
        alternate_url=original if rendition and original != rendition else "",
    )


def _absolute(url: object) -> str:
    # The API answers with absolute URLs; a mirror may answer with relative or scheme-relative ones.
    return urljoin(settings.COMMONS_API_URL, url) if isinstance(url, str) and url else ""


def _text(meta: dict, key: str) -> str:
    """extmetadata values are HTML snippets ("<a href=...>Jane</a>"); people need the words."""
    entry = meta.get(key)
    value = entry.get("value") if isinstance(entry, dict) else entry
    if value is None:
        return ""
    text = str(value)
    if "<" in text:
        text = BeautifulSoup(text, "html.parser").get_text(" ")
    return " ".join(text.split())


def _file_title(title: str) -> str:
    name = unquote(title).split(":", 1)[-1]
    return name.rsplit(".", 1)[0].replace("_", " ")
