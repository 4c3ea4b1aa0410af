"""Import by address: a list of image URLs, or the pictures of a web page (robots.txt obeyed)."""

from __future__ import annotations

import pytest

from classifiers.services.imports import photos_import_page, photos_import_urls
from nanoweb.errors import InvalidInput
from scraper.safehttp import FetchError
from tests.fakes import images
from tests.fakes.web import Reply


def test_good_urls_are_imported_and_each_bad_one_listed_with_its_reason(dress, web, loopback_allowed):
    good = [web.file(f"/p{i}.jpg", images.photo(i)) for i in range(3)]
    evil = {
        "html": web.file("/page.jpg", images.HTML_NAMED_JPG, "image/jpeg"),
        "cut": web.file("/cut.jpg", images.truncated_jpeg()),
        "tiny": web.file("/tiny.png", images.tiny_png(), "image/png"),
        "bomb": web.file("/bomb.png", images.png_claiming_size(20000, 20000), "image/png"),
        "missing": web.url("/gone.jpg"),
        "ftp": "ftp://example.org/a.jpg",
    }
    result = photos_import_urls(label=dress, urls=[*good, *evil.values()])
    assert sorted(e.source_url for e in result.added) == sorted(good)
    assert all(e.provider == "url" and e.fetched_at is not None for e in result.added)
    codes = {item["url"]: item["code"] for item in result.rejected}
    assert codes == {evil["html"]: "not_an_image", evil["cut"]: "truncated", evil["tiny"]: "too_small",
                     evil["bomb"]: "too_many_pixels", evil["missing"]: "http_error", evil["ftp"]: "bad_url"}
    missing = next(r for r in result.rejected if r["url"] == evil["missing"])
    assert missing["reason"] == "127.0.0.1 answered 404 Not Found."


def test_url_import_refuses_loopback_addresses_in_production(dress, web, settings):
    settings.ALLOW_PRIVATE_URLS = False
    url = web.file("/p.jpg", images.photo(0))
    result = photos_import_urls(label=dress, urls=[url, "http://169.254.169.254/latest/meta-data/"])
    assert result.added == []
    assert {r["code"] for r in result.rejected} == {"blocked_address"}
    assert web.hits("/p.jpg") == 0


def test_url_import_needs_at_least_one_address_and_not_too_many(dress, settings):
    with pytest.raises(InvalidInput, match="Give at least one picture address."):
        photos_import_urls(label=dress, urls=["  "])
    settings.IMPORT_MAX_URLS = 2
    with pytest.raises(InvalidInput, match="3 addresses is too many at once; at most 2."):
        photos_import_urls(label=dress, urls=["http://a/1", "http://a/2", "http://a/3"])


PAGE = """<!doctype html><html><head><title>Summer dresses</title>
<meta property="og:image" content="/og.jpg"></head><body>
<img src="/small.jpg" srcset="/small.jpg 320w, /large.jpg 1200w" alt="A red dress">
<img data-src="/lazy.jpg" src="data:image/gif;base64,R0lGOD" alt="Lazy">
<picture><source srcset="/pic-1x.jpg 1x, /pic-2x.jpg 2x"><img src="/pic-1x.jpg"></picture>
<a href="/full/blue.jpg">full size</a> <a href="/about.html">about</a>
<img src="/icon.png" alt="icon">
</body></html>"""


def test_a_page_gives_its_pictures_from_img_srcset_lazy_attributes_og_image_and_links(dress, web, loopback_allowed):
    for i, path in enumerate(["/og.jpg", "/large.jpg", "/lazy.jpg", "/pic-2x.jpg", "/full/blue.jpg"]):
        web.file(path, images.photo(i))
    web.file("/small.jpg", images.photo(10))
    web.file("/pic-1x.jpg", images.photo(11))
    web.file("/icon.png", images.tiny_png(), "image/png")
    page_url = web.file("/dresses.html", PAGE.encode(), "text/html; charset=utf-8")
    result = photos_import_page(label=dress, page_url=page_url)
    added = {e.source_url.rsplit(":", 1)[1].split("/", 1)[1]: e for e in result.added}
    assert set(added) == {"og.jpg", "large.jpg", "lazy.jpg", "pic-2x.jpg", "full/blue.jpg"}
    # The largest candidate stands for the picture; smaller renditions are not fetched.
    assert web.hits("/small.jpg") == web.hits("/pic-1x.jpg") == 0
    assert added["large.jpg"].title == "A red dress"
    assert added["og.jpg"].title == "Summer dresses"
    assert all(e.provider == "page" and e.page_url == page_url for e in result.added)
    assert [r["code"] for r in result.rejected] == ["too_small"]


def test_a_page_whose_robots_txt_forbids_it_is_not_read(dress, web, loopback_allowed):
    web.file("/robots.txt", b"User-agent: *\nDisallow: /private/\n", "text/plain")
    page_url = web.file("/private/page.html", PAGE.encode(), "text/html")
    with pytest.raises(InvalidInput) as info:
        photos_import_page(label=dress, page_url=page_url)
    assert info.value.message == ("This site's robots.txt asks robots not to read this page, so NanoWeb will not. "
                                  "Save the pictures yourself and upload them instead.")
    assert web.hits("/private/page.html") == 0


def test_pictures_that_robots_txt_forbids_are_listed_not_fetched(dress, web, loopback_allowed):
    web.file("/robots.txt", b"User-agent: NanoWeb\nDisallow: /full/\n\nUser-agent: *\nAllow: /\n", "text/plain")
    web.file("/og.jpg", images.photo(0))
    web.file("/full/blue.jpg", images.photo(1))
    page = '<html><head><meta property="og:image" content="/og.jpg"></head><a href="/full/blue.jpg">x</a></html>'
    result = photos_import_page(label=dress, page_url=web.file("/p.html", page.encode(), "text/html"))
    assert len(result.added) == 1
    assert result.rejected == [{"url": web.url("/full/blue.jpg"), "code": "robots",
                                "reason": "The picture's site asks robots not to fetch it (robots.txt)."}]
    assert web.hits("/full/blue.jpg") == 0


def test_a_site_whose_robots_txt_fails_is_left_alone(dress, web, loopback_allowed):
    web.route("/robots.txt", lambda _r: Reply(503, b"busy", "text/plain"))
    page_url = web.file("/page.html", PAGE.encode(), "text/html")
    with pytest.raises(InvalidInput, match="robots.txt"):
        photos_import_page(label=dress, page_url=page_url)


def test_a_page_without_pictures_says_so(dress, web, loopback_allowed):
    page_url = web.file("/empty.html", b"<html><body><p>Only words.</p></body></html>", "text/html")
    with pytest.raises(InvalidInput, match="No pictures were found on this page."):
        photos_import_page(label=dress, page_url=page_url)


def test_a_page_address_that_is_a_picture_imports_the_picture(dress, web, loopback_allowed):
    result = photos_import_page(label=dress, page_url=web.file("/just.jpg", images.photo(4)))
    assert len(result.added) == 1 and result.added[0].provider == "page"


def test_a_page_import_is_refused_on_loopback_in_production(dress, web, settings):
    settings.ALLOW_PRIVATE_URLS = False
    page_url = web.file("/page.html", PAGE.encode(), "text/html")
    with pytest.raises(FetchError) as info:
        photos_import_page(label=dress, page_url=page_url)
    assert info.value.code == "blocked_address"
    assert web.requests == []
