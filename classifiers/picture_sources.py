"""The pictures a predict request sends, as (name, bytes): uploaded files as they came, image links fetched
through the scraper's guarded downloader (SSRF checks, byte cap, timeouts), which normalises them as it does
every downloaded picture.

Try-it and the API's predict both gather their pictures here; each keeps its own field names, limits and
words for what goes wrong.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from django.conf import settings
from django.http import HttpRequest

from nanoweb.errors import ServiceError, TooLarge
from scraper.downloader import download_images
from scraper.workload import heavy_turn

Picture = tuple[str, bytes]  # (file name, or the URL it was fetched from; its bytes)


def images_from_request(
    request: HttpRequest,
    *,
    file_fields: Sequence[str],
    urls: Callable[[], Sequence[str]],
    single: bool = False,
    max_file_bytes: int | None = None,
    name_urls_in_errors: bool = False,
) -> list[Picture]:
    """The files sent under `file_fields` (in that order), or, when there are none, the pictures at the
    addresses `urls()` gives. `urls` is asked only then, so a request with files never has its address fields
    judged. Empty when neither was sent: each surface says what to send in its own words.

    single: a form with one file input; like `request.FILES.get`, only the last file of a field counts.
    max_file_bytes: a file larger than this is refused (413) before it is read.
    name_urls_in_errors: a download's error starts with its URL and carries it in details, so a client
    that sent several knows which failed.
    """
    files = []
    for field in file_fields:
        sent = request.FILES.getlist(field)
        files += sent[-1:] if single else sent
    if files:
        return [(upload.name or "upload", _read(upload, max_file_bytes)) for upload in files]
    addresses = list(urls())
    if not addresses:
        return []
    # A request without a person (none reaches here through the site) shares one turn with its like.
    with heavy_turn(getattr(getattr(request, "user", None), "pk", None)):
        return _download(addresses, name_urls_in_errors=name_urls_in_errors)


def _read(upload, max_bytes: int | None) -> bytes:
    if max_bytes is not None and upload.size and upload.size > max_bytes:
        raise TooLarge(f"This file is {upload.size / 1048576:.1f} MB; the limit is {max_bytes // 1048576} MB.")
    return upload.read()


def _download(urls: list[str], *, name_urls_in_errors: bool) -> list[Picture]:
    """Each URL fetched once however often it was sent; the first that fails (in the order sent) refuses all."""
    # One total limit for all of this request's downloads, however many slow servers it names.
    deadline = time.monotonic() + settings.FETCH_TOTAL_TIMEOUT
    results = {item.url: item for item in download_images(list(dict.fromkeys(urls)), deadline=deadline)}
    pictures = []
    for url in urls:
        downloaded = results[url]
        if downloaded.error is not None:
            error: ServiceError = downloaded.error
            if name_urls_in_errors:
                error.details = {**(error.details or {}), "url": url}
                error.message = f"{url}: {error.message}"
            raise error
        pictures.append((url, downloaded.image.jpeg))
    return pictures
