"""Import pictures by address: a list of image URLs, or every picture on a web page."""

from __future__ import annotations

import time
from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone

from classifiers.models import Label
from classifiers.services.photos import ImportResult, Provenance, photo_add_normalised
from nanoweb.errors import InvalidInput, ServiceError
from scraper.downloader import download_images
from scraper.providers import ImageHit
from scraper.providers.page import collect_page_images
from scraper.robots import Robots
from scraper.safehttp import FetchError, check_url
from scraper.workload import heavy_turn


def _deadline() -> float:
    """One total limit for all the fetching of one import: many slow servers cost it once, not once each."""
    return time.monotonic() + settings.FETCH_TOTAL_TIMEOUT


def photos_import_urls(*, label: Label, urls: list[str]) -> ImportResult:
    urls = [u.strip() for u in urls if u and u.strip()]
    if not urls:
        raise InvalidInput("Give at least one picture address.", details={"field": "urls"})
    if len(urls) > settings.IMPORT_MAX_URLS:
        raise InvalidInput(f"{len(urls)} addresses is too many at once; at most {settings.IMPORT_MAX_URLS}.",
                           details={"field": "urls"})
    result = ImportResult()
    hits = []
    for url in dict.fromkeys(urls):
        try:
            hits.append(ImageHit(image_url=check_url(url)))
        except FetchError as exc:
            result.rejected.append({"url": url, "code": exc.code, "reason": exc.message})
    with heavy_turn(label.classifier.owner_id):
        _download_and_add(label, hits, provider="url", result=result, deadline=_deadline())
    return result


def photos_import_page(*, label: Label, page_url: str) -> ImportResult:
    """Fetch the page (robots.txt permitting), then its pictures. Raises ServiceError when the page itself
    cannot be read; each picture that fails is listed in `rejected`."""
    with heavy_turn(label.classifier.owner_id):
        deadline = _deadline()
        robots = Robots(deadline=deadline)
        page = collect_page_images(page_url, robots=robots, deadline=deadline)
        if not page.hits:
            raise InvalidInput("No pictures were found on this page.", details={"reason": "no_images"})
        result = ImportResult()
        allowed = []
        for hit in page.hits:
            try:
                if robots.allowed(hit.image_url):
                    allowed.append(hit)
                else:
                    result.rejected.append({"url": hit.image_url, "code": "robots",
                                            "reason": "The picture's site asks robots not to fetch it (robots.txt)."})
            except FetchError as exc:  # the picture's own site could not be reached or may not be fetched
                result.rejected.append({"url": hit.image_url, "code": exc.code, "reason": exc.message})
        _download_and_add(label, allowed, provider="page", result=result, deadline=deadline)
    return result


def _download_and_add(label: Label, hits: Iterable[ImageHit], *, provider: str, result: ImportResult,
                      deadline: float) -> None:
    by_url = {hit.image_url: hit for hit in hits}
    for done in download_images(by_url, deadline=deadline):
        hit = by_url[done.url]
        try:
            if done.error is not None:
                raise done.error
            provenance = Provenance(
                # The address asked for, not the redirect target: that is what a later import would repeat.
                provider=provider, original_name=_file_name(done.url), source_url=done.url,
                page_url=hit.page_url, title=hit.title,
                license=hit.license, license_url=hit.license_url, author=hit.author, fetched_at=timezone.now(),
            )
            result.added.append(photo_add_normalised(label=label, image=done.image, provenance=provenance))
        except ServiceError as exc:
            result.rejected.append({"url": done.url, "code": exc.code, "reason": exc.message})


def _file_name(url: str) -> str:
    return url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1][:255]
