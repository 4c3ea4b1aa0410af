"""Concurrent downloads: a few at a time per host, hosts in parallel, every result back (good or refused)."""

from __future__ import annotations

import threading
import time

from scraper.downloader import download_images
from tests.fakes import images
from tests.fakes.web import FakeWeb, Reply


class Gauge:
    """Counts requests in flight at one stand-in, remembering the most seen at once."""

    def __init__(self) -> None:
        self.now = self.most = 0
        self.lock = threading.Lock()

    def route(self, body: bytes, delay: float):
        def handler(_request):
            with self.lock:
                self.now += 1
                self.most = max(self.most, self.now)
            time.sleep(delay)
            with self.lock:
                self.now -= 1
            return Reply(200, body, "image/png")
        return handler


def test_downloads_run_concurrently_but_never_more_than_the_per_host_limit(web, settings, loopback_allowed):
    settings.DOWNLOADS_PER_HOST, settings.DOWNLOAD_WORKERS = 3, 16
    gauge = Gauge()
    urls = [web.route(f"/{i}.png", gauge.route(images.pattern(i), 0.2)) for i in range(12)]
    started = time.monotonic()
    results = list(download_images(urls))
    elapsed = time.monotonic() - started
    assert sorted(r.url for r in results) == sorted(urls)
    assert all(r.image is not None for r in results)
    assert gauge.most == 3
    assert elapsed < 12 * 0.2 / 2  # concurrent: about 4 rounds of 0.2 s, far from 2.4 s one by one


def test_two_hosts_are_downloaded_from_in_parallel(web, settings, loopback_allowed):
    settings.DOWNLOADS_PER_HOST = 2
    with FakeWeb(host="127.0.0.2") as other:
        gauges = (Gauge(), Gauge())
        urls = [server.route(f"/{i}.png", gauge.route(images.pattern(i), 0.2))
                for server, gauge in zip((web, other), gauges, strict=True) for i in range(6)]
        started = time.monotonic()
        results = list(download_images(urls))
        elapsed = time.monotonic() - started
    assert len(results) == 12 and all(r.error is None for r in results)
    assert [g.most for g in gauges] == [2, 2]
    assert elapsed < 1.2  # 3 rounds of 0.2 s on each host at the same time


def test_each_refused_download_comes_back_with_its_reason(web, loopback_allowed):
    good = web.file("/good.jpg", images.photo(0))
    page = web.file("/page.jpg", images.HTML_NAMED_JPG)
    results = {r.url: r for r in download_images([good, page, web.url("/gone.jpg")])}
    assert results[good].image is not None and results[good].final_url == good
    assert results[page].error.code == "not_an_image"
    assert results[web.url("/gone.jpg")].error.code == "http_error"


def test_stopping_early_leaves_the_rest_unfetched(web, settings, loopback_allowed):
    settings.DOWNLOADS_PER_HOST = settings.DOWNLOAD_WORKERS = 1
    urls = [web.route(f"/{i}.png", lambda _r, i=i: Reply(200, images.pattern(i), "image/png", delay=0.1))
            for i in range(10)]
    results = download_images(urls)
    next(results)
    results.close()
    time.sleep(0.5)
    assert len(web.requests) <= 3
