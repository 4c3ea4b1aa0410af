"""The total time limit on every way NanoWeb fetches from other sites, against a real server on loopback that
sends one byte at a time (tests/fakes/trickle.py): each byte comes well within the read timeout, the whole
never comes. What a person sees is the time limit, said in words, at the limit, not minutes later."""

from __future__ import annotations

import time

import pytest

from nanoweb.errors import ServiceError
from scraper import safehttp
from scraper.downloader import download_images, fetch_image
from scraper.providers import ProviderError, get_provider
from scraper.providers.page import collect_page_images
from scraper.robots import Robots
from scraper.safehttp import FetchError, fetch
from tests.fakes.trickle import TrickleServer
from tests.fakes.web import FakeWeb

TOTAL = 2  # seconds: FETCH_TOTAL_TIMEOUT in these tests
SLACK = 1.5  # seconds a cut may take past the limit (a thread waking, a socket shutting)


@pytest.fixture(autouse=True)
def limits(settings):
    settings.ALLOW_PRIVATE_URLS = False
    settings.FETCH_CONNECT_TIMEOUT = 2
    settings.FETCH_READ_TIMEOUT = 5  # longer than the limit: a byte every 0.3 s never trips it
    settings.FETCH_TOTAL_TIMEOUT = TOTAL
    settings.SEARCH_PROVIDER_TIMEOUT = TOTAL
    return settings


@pytest.fixture
def public(monkeypatch):
    """127.0.0.2 stands for a public site (nothing here has a public address); every other address keeps the
    production rule."""
    real_rule = safehttp.address_is_public
    monkeypatch.setattr(safehttp, "address_is_public", lambda address: address == "127.0.0.2" or real_rule(address))


@pytest.fixture
def trickle(public):
    with TrickleServer("127.0.0.2", interval=0.3, length=100_000) as server:
        yield server


def timed(call):
    started = time.monotonic()
    try:
        call()
    except (ServiceError, ProviderError) as exc:
        return exc, time.monotonic() - started
    raise AssertionError("the slow server's answer was taken")


def assert_cut(seconds: float) -> None:
    assert TOTAL - 0.2 <= seconds < TOTAL + SLACK, f"cut after {seconds:.1f} s, the limit is {TOTAL} s"


def test_a_body_trickled_with_a_content_length_is_cut_at_the_total_limit(trickle):
    """Before: a 64 KB read blocked until 64 KB came, so the deadline was never checked (100 s imports)."""
    error, seconds = timed(lambda: fetch(trickle.url("/photo.jpg"), max_bytes=10**6))
    assert isinstance(error, FetchError) and error.code == "timeout"
    assert error.message == f"127.0.0.2 sent the file too slowly (not finished after {TOTAL} s)."
    assert_cut(seconds)
    deadline = time.monotonic() + 3
    while trickle.closed_by_client == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert trickle.closed_by_client == 1  # the connection was dropped, not left trickling


def test_headers_trickled_a_byte_at_a_time_are_cut_at_the_total_limit(trickle):
    error, seconds = timed(lambda: fetch(trickle.url("/headers.jpg"), max_bytes=10**6))
    assert error.code == "timeout"
    assert error.message == f"127.0.0.2 did not answer in time (nothing within {TOTAL} s)."
    assert_cut(seconds)


def test_a_fetch_after_a_cut_one_works_on_the_same_thread(trickle, public):
    """The cut connection is not reused: the next fetch from this thread gets a fresh one."""
    timed(lambda: fetch(trickle.url("/photo.jpg"), max_bytes=10**6))
    with FakeWeb("127.0.0.2") as web:
        assert fetch(web.file("/ok.txt", b"fine", "text/plain"), max_bytes=100).content == b"fine"


def test_a_picture_download_is_cut_at_the_total_limit(trickle):
    started = time.monotonic()
    downloaded = fetch_image(trickle.url("/photo.jpg"))
    assert downloaded.error.code == "timeout"
    assert_cut(time.monotonic() - started)


def test_many_slow_downloads_share_one_limit_instead_of_one_each(trickle):
    """Six trickling links, one download at a time: before, 6 x the limit; with a shared deadline, one."""
    urls = [trickle.url(f"/photo{i}.jpg") for i in range(6)]
    started = time.monotonic()
    results = list(download_images(urls, workers=1, per_host=1, deadline=time.monotonic() + TOTAL))
    assert_cut(time.monotonic() - started)
    assert len(results) == 6 and all(r.error is not None and r.error.code == "timeout" for r in results)
    words = {r.error.message for r in results}
    assert f"127.0.0.2 sent the file too slowly (not finished after {TOTAL} s)." in words
    assert ("Not fetched: the time for fetching ran out while other pictures were downloading. "
            "Try fewer addresses at once.") in words


def test_a_page_import_from_a_site_whose_robots_txt_trickles_is_cut_at_the_limit(trickle):
    deadline = time.monotonic() + TOTAL
    error, seconds = timed(lambda: collect_page_images(trickle.url("/gallery.html"), robots=Robots(deadline=deadline),
                                                       deadline=deadline))
    assert error.code == "timeout"
    assert "too slowly" in error.message
    assert_cut(seconds)


def test_a_page_import_from_a_site_that_cannot_be_reached_says_so_not_robots(public):
    """Before: "This site's robots.txt asks robots not to read this page" for a site that is simply down."""
    with TrickleServer("127.0.0.2") as gone:
        url = gone.url("/gallery.html")
    with pytest.raises(FetchError) as info:
        collect_page_images(url, robots=Robots())
    assert info.value.code == "connection_failed"
    assert info.value.message == "Could not connect to 127.0.0.2: the connection was refused."
    assert "robots" not in info.value.message


@pytest.mark.parametrize("name", ["commons", "openverse"])
def test_a_search_api_that_trickles_is_cut_at_the_provider_limit(trickle, settings, name):
    settings.COMMONS_API_URL = trickle.url("/w/api.php")
    settings.OPENVERSE_API_URL = trickle.url("/v1/")
    error, seconds = timed(lambda: get_provider(name).search("cats", cursor=None, per_page=10))
    assert isinstance(error, ProviderError) and error.code == "timeout"
    assert "too slowly" in error.message
    assert_cut(seconds)


@pytest.mark.parametrize("name", ["duckduckgo", "bing"])
def test_a_ddgs_search_site_that_trickles_is_cut_at_the_provider_limit(trickle, settings, name):
    """ddgs's own HTTP client (primp) applies its timeout to the whole request, body included; DuckDuckGo
    asks twice (a token, then the results), so at most twice the limit."""
    settings.DUCKDUCKGO_URL = trickle.url("/")
    settings.BING_URL = trickle.url("/")
    error, seconds = timed(lambda: get_provider(name).search("cats", cursor=None, per_page=10))
    assert isinstance(error, ProviderError)
    assert error.code == "timeout", error.message
    assert TOTAL - 0.2 <= seconds < 2 * TOTAL + SLACK
