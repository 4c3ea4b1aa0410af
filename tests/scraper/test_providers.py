"""Each search provider against its stand-in answering in the real format, pages and continuation included."""

from __future__ import annotations

import json

import pytest

from scraper.providers import ProviderError, get_provider
from scraper.providers.openverse import license_name
from tests.fakes.search import FakeBing, FakeCommons, FakeDuckDuckGo, FakeOpenverse, Listing
from tests.fakes.web import Reply


def listings(n: int) -> list[Listing]:

    return [Listing(f"photo-{i}.jpg", body=b"-", title=f"Photo {i}", author=f"Author {i}") for i in range(n)]


def all_pages(provider, query: str, per_page: int) -> tuple[list, int]:
    hits, cursor, calls = [], None, 0
    while True:
        page = provider.search(query, cursor=cursor, per_page=per_page)
        calls += 1
        hits.extend(page.hits)
        if page.next is None:
            return hits, calls
        cursor = page.next


def test_commons_is_searched_through_the_mediawiki_api_and_continued_with_gsroffset(web, settings):
    fake = FakeCommons(web, listings(23))
    settings.COMMONS_API_URL = fake.api_url
    hits, calls = all_pages(get_provider("commons"), "red dress", per_page=10)
    assert calls == 3
    assert [h.title for h in hits] == [f"Photo {i}" for i in range(23)]  # in search rank order
    first, second, third = (r.query for r in fake.api_calls())
    assert first["gsrsearch"] == "red dress" and first["gsrnamespace"] == "6" and first["gsrlimit"] == "10"
    assert first["generator"] == "search" and first["action"] == "query" and first["prop"] == "imageinfo"
    assert first["iiprop"] == "url|mime|size|extmetadata"
    assert "gsroffset" not in first
    assert (second["gsroffset"], second["continue"]) == ("10", "gsroffset||")
    assert third["gsroffset"] == "20"


def test_commons_hits_carry_licence_author_and_page_from_extmetadata(web, settings):
    fake = FakeCommons(web, listings(1))
    settings.COMMONS_API_URL = fake.api_url
    hit = get_provider("commons").search("x", cursor=None, per_page=5).hits[0]
    assert hit.license == "CC BY-SA 4.0"
    assert hit.license_url == "https://creativecommons.org/licenses/by-sa/4.0/"
    assert hit.author == "Author 0"  # the HTML link around the name is gone
    assert hit.page_url == "https://commons.wikimedia.org/wiki/File%3Aphoto-0.jpg"
    assert hit.image_url.startswith(fake.image_urls["photo-0.jpg"])  # the 1024 px rendition
    assert (hit.width, hit.height) == (320, 240)


def test_commons_skips_drawings_and_documents(web, settings):
    items = listings(3)
    items[1].mime = "image/svg+xml"
    items[2].mime = "application/pdf"
    fake = FakeCommons(web, items)
    settings.COMMONS_API_URL = fake.api_url
    hits = get_provider("commons").search("x", cursor=None, per_page=5).hits
    assert [h.title for h in hits] == ["Photo 0"]


def test_commons_asks_for_no_more_than_the_api_allows(web, settings):
    fake = FakeCommons(web, listings(3))
    settings.COMMONS_API_URL = fake.api_url
    assert len(get_provider("commons").search("x", cursor=None, per_page=500).hits) == 3
    assert fake.api_calls()[0].query["gsrlimit"] == "50"


def test_commons_api_errors_are_reported_in_words(web, settings):
    fake = FakeCommons(web, listings(3))
    fake.failure = Reply(200, json.dumps({"error": {"code": "maxlag", "info": "Waiting for a database server: 5 "
                                                    "seconds lagged."}}).encode(), "application/json")
    settings.COMMONS_API_URL = fake.api_url
    with pytest.raises(ProviderError) as info:
        get_provider("commons").search("x", cursor=None, per_page=10)
    assert info.value.message == ("Wikimedia Commons refused the search: Waiting for a database server: 5 seconds "
                                  "lagged.")


def test_openverse_pages_until_page_count_and_reads_licence_and_creator(web, settings):
    fake = FakeOpenverse(web, listings(45))
    settings.OPENVERSE_API_URL = fake.api_url
    hits, calls = all_pages(get_provider("openverse"), "hat", per_page=20)
    assert calls == 3 and len(hits) == 45
    queries = [r.query for r in fake.api_calls()]
    assert [q["page"] for q in queries] == ["1", "2", "3"]
    assert all(q["q"] == "hat" and q["page_size"] == "20" for q in queries)
    assert hits[0].license == "CC BY-SA 4.0" and hits[0].author == "Author 0"
    assert hits[0].page_url == "https://www.flickr.com/photos/jd/0"


def test_openverse_asks_no_more_than_an_anonymous_page_size(web, settings):
    fake = FakeOpenverse(web, listings(5))
    settings.OPENVERSE_API_URL = fake.api_url
    assert len(get_provider("openverse").search("hat", cursor=None, per_page=50).hits) == 5


def test_openverse_null_fields_become_empty(web, settings):
    item = Listing("a.jpg", body=b"-", title="", author="", license="cc0", license_version="")
    fake = FakeOpenverse(web, [item])
    settings.OPENVERSE_API_URL = fake.api_url
    hit = get_provider("openverse").search("a", cursor=None, per_page=20).hits[0]
    assert (hit.title, hit.author, hit.license) == ("", "", "CC0")


@pytest.mark.parametrize(("code", "version", "shown"), [
    ("by", "2.0", "CC BY 2.0"), ("by-nc-sa", "4.0", "CC BY-NC-SA 4.0"), ("cc0", "1.0", "CC0 1.0"),
    ("pdm", "1.0", "Public Domain Mark 1.0"),
])
def test_openverse_licence_codes_are_written_the_way_people_write_them(code, version, shown):
    assert license_name(code, version) == shown


def test_duckduckgo_is_searched_through_ddgs_with_its_token_and_pages_of_100(web, settings):
    fake = FakeDuckDuckGo(web, listings(150))
    settings.DUCKDUCKGO_URL = fake.base_url
    hits, calls = all_pages(get_provider("duckduckgo"), "blue dress", per_page=20)
    assert len(hits) == 150 and calls == 3  # 100, 50, then an empty page ends it
    searches = [r.query for r in fake.api_calls() if r.path.endswith("/i.js")]
    assert [q.get("s") for q in searches] == [None, "100", "200"]
    assert all(q["vqd"] == FakeDuckDuckGo.VQD and q["q"] == "blue dress" for q in searches)
    assert hits[0].image_url == fake.image_urls["photo-0.jpg"]
    assert hits[0].page_url == "https://example.org/p/0"


def test_bing_is_searched_through_ddgs_and_paged_with_first_and_count(web, settings):
    fake = FakeBing(web, listings(40))
    settings.BING_URL = fake.base_url
    hits, calls = all_pages(get_provider("bing"), "straw hat", per_page=20)
    assert len(hits) == 40 and calls == 3
    assert [r.query["first"] for r in fake.api_calls()] == ["1", "36", "71"]
    assert hits[0].image_url == fake.image_urls["photo-0.jpg"]
    assert (hits[0].width, hits[0].height) == (320, 240)


@pytest.mark.parametrize("name", ["commons", "openverse", "duckduckgo", "bing"])
def test_a_provider_that_answers_with_a_server_error_raises_in_words(web, settings, name):
    fakes = {"commons": FakeCommons, "openverse": FakeOpenverse, "duckduckgo": FakeDuckDuckGo, "bing": FakeBing}
    fake = fakes[name](web, listings(3))
    fake.failure = Reply(503, b"<html>down for maintenance</html>", "text/html")
    settings.COMMONS_API_URL = settings.OPENVERSE_API_URL = getattr(fake, "api_url", "")
    settings.DUCKDUCKGO_URL = settings.BING_URL = getattr(fake, "base_url", "")
    if name == "openverse":
        settings.OPENVERSE_API_URL = fake.api_url
    with pytest.raises(ProviderError) as info:
        get_provider(name).search("x", cursor=None, per_page=10)
    assert info.value.message.startswith(get_provider(name).title)


@pytest.mark.parametrize("name", ["commons", "duckduckgo"])
def test_a_provider_that_does_not_answer_in_time_raises_a_timeout(web, settings, name):
    settings.SEARCH_PROVIDER_TIMEOUT = 1
    fake = (FakeCommons if name == "commons" else FakeDuckDuckGo)(web, listings(3))
    fake.failure = Reply(200, b"{}", "application/json", delay=2.5)
    settings.COMMONS_API_URL = getattr(fake, "api_url", "")
    settings.DUCKDUCKGO_URL = getattr(fake, "base_url", "")
    with pytest.raises(ProviderError) as info:
        get_provider(name).search("x", cursor=None, per_page=10)
    assert info.value.code == "timeout"
    assert "did not answer in time" in info.value.message
