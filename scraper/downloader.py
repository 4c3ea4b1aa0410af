"""Download many image URLs at once, a few per host, each checked and normalised in its worker thread.

Results come back as they finish (not in input order), so a caller that needs N good pictures can stop
after the N-th; closing the iterator drops downloads that have not started.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from nanoweb.errors import ServiceError
from scraper.images import NormalisedImage, normalise_image
from scraper.safehttp import FetchError, fetch

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Downloaded:
    url: str  # as asked for
    final_url: str = ""  # after redirects
    image: NormalisedImage | None = None
    error: ServiceError | None = None  # FetchError or ImageRejected, with code and message


def fetch_image(url: str, *, deadline: float | None = None, trust_search_host: bool = False) -> Downloaded:
    """One URL, fetched safely and normalised; never raises for anything the URL's server can cause.
    deadline and trust_search_host as for safehttp.fetch."""
    try:
        fetched = fetch(url, max_bytes=settings.FETCH_MAX_IMAGE_BYTES, accept="image/*,*/*;q=0.5",
                        extra_headers={"Accept-Encoding": "identity"}, deadline=deadline,
                        trust_search_host=trust_search_host)
        return Downloaded(url=url, final_url=fetched.url, image=normalise_image(fetched.content))
    except ServiceError as exc:
        return Downloaded(url=url, error=exc)
    except Exception:  # one bad URL must never sink the others; the trace goes to the log for us
        logger.exception("Unexpected error downloading %s", url)
        return Downloaded(url=url, error=FetchError("failed", "Something went wrong reading this file.", url=url))


class _HostSlots:
    """A semaphore per host so one slow site cannot take every download thread, and no site gets hammered."""

    def __init__(self, per_host: int) -> None:
        self._per_host = per_host
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}

    def get(self, url: str) -> threading.BoundedSemaphore:
        host = (urlsplit(url).hostname or "").lower()
        with self._lock:
            if host not in self._slots:
                self._slots[host] = threading.BoundedSemaphore(self._per_host)
            return self._slots[host]


def download_images(urls: Iterable[str], *, workers: int | None = None, per_host: int | None = None,
                    deadline: float | None = None, trust_search_host: bool = False) -> Iterator[Downloaded]:
    """deadline: a time.monotonic() by which every download is done or given up, so that a batch of slow
    servers costs a web request one total limit, not one per address."""
    urls = list(dict.fromkeys(urls))
    if not urls:
        return
    workers = min(workers or settings.DOWNLOAD_WORKERS, len(urls))
    slots = _HostSlots(per_host or settings.DOWNLOADS_PER_HOST)
    cancelled = threading.Event()

    def run(url: str) -> Downloaded:
        with slots.get(url):
            if cancelled.is_set():
                return Downloaded(url=url, error=FetchError("cancelled", "The download was not needed any more."))
            if deadline is not None and time.monotonic() >= deadline:
                return Downloaded(url=url, error=FetchError(
                    "timeout", "Not fetched: the time for fetching ran out while other pictures were downloading. "
                    "Try fewer addresses at once.", url=url))
            return fetch_image(url, deadline=deadline, trust_search_host=trust_search_host)

    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="nanoweb-download")
    try:
        pending: set[Future[Downloaded]] = {executor.submit(run, url) for url in _interleave_hosts(urls)}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
    finally:
        # Reached when the caller stops early too: queued downloads are dropped, running ones end on their
        # own within the fetch time limits.
        cancelled.set()
        executor.shutdown(wait=False, cancel_futures=True)


def _interleave_hosts(urls: list[str]) -> list[str]:
    """Round-robin over hosts, so threads waiting for one busy host's slot do not idle the others."""
    by_host: dict[str, list[str]] = {}
    for url in urls:
        by_host.setdefault((urlsplit(url).hostname or "").lower(), []).append(url)
    queues = list(by_host.values())
    ordered: list[str] = []
    while queues:
        for queue in list(queues):
            ordered.append(queue.pop(0))
            if not queue:
                queues.remove(queue)
    return ordered
