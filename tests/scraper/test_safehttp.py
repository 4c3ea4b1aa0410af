"""The safe fetch: only the public web, every redirect checked again, time and byte limits, an honest name.

These tests keep settings.ALLOW_PRIVATE_URLS False (the production default) unless they say otherwise.
"""

from __future__ import annotations

import time

import pytest

from scraper import safehttp
from scraper.safehttp import USER_AGENT, FetchError, address_is_public, fetch
from tests.fakes import images
from tests.fakes.web import FakeWeb, Reply

MB = 1024 * 1024


def refused(url: str, **kwargs) -> FetchError:
    with pytest.raises(FetchError) as info:
        fetch(url, max_bytes=MB, **kwargs)
    return info.value


@pytest.fixture(autouse=True)
def private_urls_refused(settings):
    settings.ALLOW_PRIVATE_URLS = False


@pytest.fixture
def public_web(monkeypatch):
    """A stand-in for a public site. Nothing on this machine has a public address, so one loopback address,
    127.0.0.2, is declared public for the test; every other address keeps the production rule."""
    real_rule = safehttp.address_is_public
    monkeypatch.setattr(safehttp, "address_is_public", lambda address: address == "127.0.0.2" or real_rule(address))
    with FakeWeb(host="127.0.0.2") as server:
        yield server


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
                                     "100.64.0.1", "0.0.0.0", "224.0.0.1", "240.0.0.1", "::1", "fe80::1", "fc00::1",
                                     "::ffff:127.0.0.1", "::ffff:169.254.169.254"])
def test_private_loopback_link_local_reserved_and_multicast_addresses_are_not_public(address):
    assert not address_is_public(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "151.101.1.69", "2a00:1450:4001:80b::200e"])
def test_internet_addresses_are_public(address):
    assert address_is_public(address)


def test_it_refuses_to_fetch_from_127_0_0_1_and_says_why(web):
    url = web.file("/photo.jpg", images.photo(0))
    error = refused(url)
    assert error.code == "blocked_address"
    assert error.message == ("127.0.0.1 points to 127.0.0.1, an address inside a private network; NanoWeb only "
                             "fetches from the public internet.")
    assert web.hits("/photo.jpg") == 0


def test_it_refuses_a_host_name_that_resolves_to_loopback(web):
    error = refused(f"http://localhost:{web.port}/photo.jpg")
    assert error.code == "blocked_address"
    assert "localhost points to" in error.message


def test_it_refuses_the_cloud_metadata_address_without_connecting():
    started = time.monotonic()
    error = refused("http://169.254.169.254/latest/meta-data/")
    assert error.code == "blocked_address"
    assert time.monotonic() - started < 1  # refused before any connection attempt


def test_a_redirect_from_a_public_site_to_127_0_0_1_is_refused(public_web, web):
    secret = web.file("/admin", b"secret", "text/plain")
    start = public_web.redirect("/innocent.jpg", secret)
    error = refused(start)
    assert error.code == "blocked_address"
    assert "127.0.0.1" in error.message
    assert public_web.hits("/innocent.jpg") == 1 and web.hits("/admin") == 0


def test_a_redirect_from_a_public_site_to_the_metadata_address_is_refused(public_web):
    start = public_web.redirect("/innocent.jpg", "http://169.254.169.254/latest/meta-data/iam/")
    error = refused(start)
    assert error.code == "blocked_address"
    assert "169.254.169.254" in error.message


def test_a_public_site_is_fetched_with_an_honest_user_agent(public_web):
    url = public_web.file("/photo.jpg", images.photo(0))
    fetched = fetch(url, max_bytes=MB)
    assert fetched.content == images.photo(0)
    assert public_web.requests[-1].headers["user-agent"] == USER_AGENT == \
        "NanoWeb/1.0 (+self-hosted image classifier builder)"


def test_redirects_within_the_public_web_are_followed_and_the_final_address_kept(public_web):
    final = public_web.file("/final.jpg", images.photo(1))
    public_web.redirect("/b", final, status=301)
    start = public_web.redirect("/a", "/b")  # relative Location
    fetched = fetch(start, max_bytes=MB)
    assert fetched.url == final and fetched.content == images.photo(1)


def test_endless_redirects_stop_at_the_cap(public_web, settings):
    settings.FETCH_MAX_REDIRECTS = 3
    public_web.redirect("/loop", "/loop")
    error = refused(public_web.url("/loop"))
    assert error.code == "too_many_redirects"
    assert error.message == "127.0.0.2 redirected more than 3 times."
    assert public_web.hits("/loop") == 4


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/a.jpg", "gopher://x/", "javascript:alert(1)"])
def test_only_http_and_https_are_fetched(url):
    error = refused(url)
    assert error.code == "bad_url"
    assert "Only http:// and https:// addresses can be fetched" in error.message


def test_a_redirect_to_a_file_url_is_refused(public_web):
    error = refused(public_web.redirect("/sneaky", "file:///etc/passwd"))
    assert error.code == "bad_url"


def test_a_declared_oversized_file_is_refused_before_reading_it(public_web):
    url = public_web.file("/big.jpg", b"x" * (2 * MB))
    error = refused(url)
    assert error.code == "too_large"
    assert error.message == "The file at 127.0.0.2 is 2.0 MB; the limit is 1.0 MB."
    assert error.http_status == 413


def test_an_endless_stream_is_cut_off_at_the_byte_cap(public_web):
    def endless():
        while True:
            yield b"\xff" * 65536

    url = public_web.route("/endless.jpg", lambda _r: Reply(200, endless(), "image/jpeg"))
    error = refused(url)
    assert error.code == "too_large"
    assert error.message == "The file at 127.0.0.2 is larger than the 1.0 MB limit."


def test_a_server_that_never_answers_times_out(public_web, settings):
    settings.FETCH_READ_TIMEOUT = 1
    url = public_web.route("/slow.jpg", lambda _r: Reply(200, images.photo(0), "image/jpeg", delay=3))
    started = time.monotonic()
    error = refused(url)
    assert error.code == "timeout"
    assert error.message == "127.0.0.2 did not answer in time."
    assert time.monotonic() - started < 2.5


def test_a_server_that_trickles_bytes_is_stopped_at_the_total_deadline(public_web, settings):
    settings.FETCH_READ_TIMEOUT, settings.FETCH_TOTAL_TIMEOUT = 2, 2

    def trickle():
        for _ in range(100):
            time.sleep(0.3)  # each byte arrives within the read timeout; the whole never does
            yield b"\xff"

    url = public_web.route("/trickle.jpg", lambda _r: Reply(200, trickle(), "image/jpeg"))
    error = refused(url)
    assert error.code == "timeout"
    assert error.message == "127.0.0.2 sent the file too slowly (not finished after 2 s)."


def test_an_error_status_is_reported_with_its_number(public_web):
    error = refused(public_web.url("/missing.jpg"))
    assert error.code == "http_error"
    assert error.message == "127.0.0.2 answered 404 Not Found."
    assert error.status == 404


def test_a_host_that_does_not_exist_is_reported_in_words():
    error = refused("http://no-such-host.invalid/a.jpg")
    assert error.code == "connection_failed"
    assert error.message == "Could not connect to no-such-host.invalid: the host name does not exist."


def test_allow_private_urls_lets_an_operator_fetch_from_loopback(web, settings):
    settings.ALLOW_PRIVATE_URLS = True
    url = web.file("/photo.jpg", images.photo(2))
    assert fetch(url, max_bytes=MB).content == images.photo(2)


def test_pictures_served_by_a_configured_search_service_on_a_private_address_are_fetched(web, settings):
    """An operator's Commons mirror on a private network: its own pictures come through, nothing else does."""
    settings.COMMONS_API_URL = web.url("/w/api.php")
    url = web.file("/files/photo.jpg", images.photo(3))
    assert fetch(url, max_bytes=MB, trust_search_host=True).content == images.photo(3)


def test_an_address_a_person_typed_on_the_configured_search_host_is_checked_like_any_other(web, settings):
    """Only a search's own results are trusted on the mirror's host: a person who types an address on it (an
    image link, a page to import) is refused as for any private address, and nothing is fetched."""
    settings.COMMONS_API_URL = web.url("/w/api.php")
    url = web.file("/admin/secret.jpg", images.photo(3))
    error = refused(url)
    assert error.code == "blocked_address"
    assert "an address inside a private network" in error.message
    assert web.hits("/admin/secret.jpg") == 0


def test_a_redirect_from_a_configured_search_service_to_a_private_address_is_still_refused(web, settings):
    settings.COMMONS_API_URL = web.url("/w/api.php")
    secret = web.file("/secret", b"internal", "text/plain")
    error = refused(web.redirect("/files/photo.jpg", secret), trust_search_host=True)
    assert error.code == "blocked_address"
    assert web.hits("/secret") == 0
    assert refused(web.redirect("/files/meta.jpg", "http://169.254.169.254/latest/"),
                   trust_search_host=True).code == "blocked_address"


def test_another_port_on_the_same_private_host_is_not_trusted(web, settings):
    settings.COMMONS_API_URL = f"http://127.0.0.1:{web.port + 1}/w/api.php"
    assert refused(web.file("/files/photo.jpg", images.photo(3)), trust_search_host=True).code == "blocked_address"
