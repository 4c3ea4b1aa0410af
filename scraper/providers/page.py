"""Pictures on a web page a person names: `img` src and srcset (the largest candidate), lazy-loading
attributes, `picture` sources, og:image / twitter:image, and links straight to image files."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup
from django.conf import settings

from nanoweb.errors import InvalidInput
from scraper.formats import PICTURE_SUFFIXES
from scraper.providers import ImageHit
from scraper.robots import Robots
from scraper.safehttp import check_url, fetch

LAZY_ATTRIBUTES = ("data-src", "data-lazy-src", "data-original", "data-full-src")
META_IMAGES = ("og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src")


@dataclass(frozen=True)
class PageImages:
    page_url: str  # after redirects
    title: str
    hits: list[ImageHit]


def collect_page_images(page_url: str, *, robots: Robots, deadline: float | None = None) -> PageImages:
    """deadline as for safehttp.fetch."""
    page_url = check_url(page_url)
    if not robots.allowed(page_url):
        raise InvalidInput("This site's robots.txt asks robots not to read this page, so NanoWeb will not. "
                           "Save the pictures yourself and upload them instead.", details={"reason": "robots"})
    fetched = fetch(page_url, max_bytes=settings.FETCH_MAX_PAGE_BYTES,
                    accept="text/html,application/xhtml+xml;q=0.9,image/*;q=0.8", deadline=deadline)
    content_type = fetched.content_type.split(";", 1)[0].strip().lower()
    if content_type.startswith("image/"):
        # The address is a picture itself: import just that.
        return PageImages(fetched.url, "", [ImageHit(image_url=fetched.url, page_url="")])
    if content_type and "html" not in content_type:
        raise InvalidInput(f"This address is not a web page (it is {content_type}).", details={"reason": "not_html"})
    soup = BeautifulSoup(fetched.content, "html.parser")
    base = fetched.url
    if (tag := soup.find("base", href=True)) is not None:
        base = urljoin(fetched.url, tag["href"])
    title = " ".join(soup.title.get_text().split()) if soup.title else ""
    hits: dict[str, ImageHit] = {}

    def add(raw: str | None, alt: str = "") -> None:
        if not raw or len(hits) >= settings.IMPORT_MAX_URLS:
            return
        url = urljoin(base, raw.strip())
        if urlsplit(url).scheme in ("http", "https") and url not in hits:
            hits[url] = ImageHit(image_url=url, page_url=fetched.url, title=" ".join(alt.split()) or title)

    for meta in soup.find_all("meta"):
        key = meta.get("property") or meta.get("name") or ""
        if key.lower() in META_IMAGES:
            add(meta.get("content"))
    for source in soup.select("picture source[srcset]"):
        add(largest_in_srcset(source["srcset"]))
    for img in soup.find_all("img"):
        alt = img.get("alt") or img.get("title") or ""
        srcset = img.get("srcset") or img.get("data-srcset") or ""
        in_picture = img.parent is not None and img.parent.name == "picture" and img.parent.find("source")
        if srcset or in_picture:
            # src is the fallback rendition of the same picture: the largest candidate stands for it.
            add(largest_in_srcset(srcset), alt)
            continue
        for attribute in ("src", *LAZY_ATTRIBUTES):
            value = img.get(attribute)
            if value and not value.startswith("data:"):
                add(value, alt)
    for link in soup.find_all("a", href=True):
        if PurePosixPath(urlsplit(link["href"]).path).suffix.lower() in PICTURE_SUFFIXES:
            add(link["href"], link.get_text() or "")
    return PageImages(fetched.url, title, list(hits.values()))


_CANDIDATE = re.compile(r"^(?P<url>\S+)(?:\s+(?P<size>[\d.]+)(?P<unit>[wx]))?$")


def largest_in_srcset(srcset: str) -> str:
    """The candidate with the largest width (or density) descriptor; a bare URL counts as 1x."""
    best, best_size = "", -1.0
    for candidate in srcset.split(","):
        match = _CANDIDATE.match(candidate.strip())
        if not match or match["url"].startswith("data:"):
            continue
        size = float(match["size"]) if match["size"] else 1.0
        if match["unit"] == "x":
            size *= 10_000  # density beats nothing, and 2x beats 1x; widths and densities rarely mix
        if size > best_size:
            best, best_size = match["url"], size
    return best
