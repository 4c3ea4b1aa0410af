"""Stand-ins for the search services, answering in each service's real response format:

- Wikimedia Commons: MediaWiki Action API, `action=query&generator=search&prop=imageinfo`, pages keyed by
  page id (formatversion 1) or listed (formatversion 2), `continue: {gsroffset, continue}`;
- Openverse: `GET /v1/images/?q&page&page_size`, `{result_count, page_count, page_size, page, results}`,
  401 past the anonymous page size like the real API;
- DuckDuckGo: the start page carrying a `vqd` token, then `i.js?o=json&q&vqd&s` answering JSON results;
- Bing: `images/async?q&first&count` answering the HTML fragment of image tiles ddgs parses.

Each serves the listed pictures' bytes itself unless a listing names its own URL.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from urllib.parse import quote

from tests.fakes.web import FakeWeb, Reply, Request


@dataclass
class Listing:
    name: str  # file name, e.g. "dress-0003.jpg"
    body: bytes = b""
    url: str = ""  # set: listed as-is and not served here (evil redirects, other hosts)
    title: str = ""
    author: str = "Jane Doe"
    license: str = "by-sa"
    license_version: str = "4.0"
    mime: str = "image/jpeg"
    width: int = 320
    height: int = 240


class _Fake:
    prefix = ""

    def __init__(self, web: FakeWeb, listings: list[Listing]) -> None:
        self.web = web
        self.listings = listings
        self.failure: Reply | None = None  # set by a test: every API call answers this instead
        self.image_urls: dict[str, str] = {}
        for listing in listings:
            if listing.url:
                self.image_urls[listing.name] = listing.url
            else:
                path = f"{self.prefix}/files/{quote(listing.name)}"
                self.image_urls[listing.name] = web.file(path, listing.body, listing.mime)

    def api_calls(self) -> list[Request]:
        return [r for r in self.web.requests if r.path.startswith(self.prefix) and "/files/" not in r.path]

    def _answer(self, build) -> callable:
        def handler(request: Request) -> Reply:
            return self.failure if self.failure is not None else build(request)

        return handler


class FakeCommons(_Fake):
    prefix = "/commons"

    def __init__(self, web: FakeWeb, listings: list[Listing], *, thumbnails_missing: bool = False) -> None:
        super().__init__(web, listings)
        self.thumbnails_missing = thumbnails_missing  # thumburl answers 404, as a mirror without renditions
        self.api_url = web.route(f"{self.prefix}/w/api.php", self._answer(self._api))

    def _api(self, request: Request) -> Reply:
        q = request.query
        if q.get("action") != "query" or q.get("generator") != "search" or q.get("gsrnamespace") != "6":
            return _json({"error": {"code": "badparams", "info": "This stand-in answers file searches only.",
                                    "*": "See https://commons.wikimedia.org/w/api.php for API usage."}})
        if "imageinfo" not in q.get("prop", "").split("|"):
            return _json({"error": {"code": "badparams", "info": "prop=imageinfo is expected."}})
        limit, offset = int(q.get("gsrlimit", "10")), int(q.get("gsroffset", "0"))
        if limit > 50:
            return _json({"error": {"code": "toomanyvalues", "info": "gsrlimit may not be over 50."}})
        chosen = self.listings[offset:offset + limit]
        pages = [self._page(offset + i, listing, q) for i, listing in enumerate(chosen)]
        body: dict = {"batchcomplete": ""}
        if offset + limit < len(self.listings):
            body["continue"] = {"gsroffset": offset + limit, "continue": "gsroffset||"}
        if q.get("formatversion") == "2":
            body["query"] = {"pages": pages}
        else:
            # Keyed by page id, in no particular order: the rank is only in "index".
            body["query"] = {"pages": {str(p["pageid"]): p for p in sorted(pages, key=lambda p: -p["pageid"])}}
        return _json(body)

    def _page(self, rank: int, listing: Listing, q: dict[str, str]) -> dict:
        title = "File:" + listing.name.replace(" ", "_")
        info = {
            "size": len(listing.body), "width": listing.width, "height": listing.height,
            "url": self.image_urls[listing.name],
            "descriptionurl": f"https://commons.wikimedia.org/wiki/{quote(title)}",
            "descriptionshorturl": f"https://commons.wikimedia.org/w/index.php?curid={1000 + rank}",
            "mime": listing.mime,
            "extmetadata": {
                "ObjectName": {"value": listing.title or listing.name.rsplit(".", 1)[0], "source": "mediawiki-metadata",
                               "hidden": ""},
                "Artist": {"value": f'<a href="//commons.wikimedia.org/wiki/User:JD">{listing.author}</a>',
                           "source": "commons-desc-page"},
                "LicenseShortName": {"value": _license_name(listing), "source": "commons-desc-page", "hidden": ""},
                "LicenseUrl": {"value": _license_url(listing), "source": "commons-desc-page", "hidden": ""},
                "UsageTerms": {"value": "Creative Commons Attribution-Share Alike 4.0", "source": "commons-desc-page",
                               "hidden": ""},
            },
        }
        if "iiurlwidth" in q and not listing.url:
            width = int(q["iiurlwidth"])
            thumb = (self.web.url(f"{self.prefix}/thumb/{width}px-{quote(listing.name)}") if self.thumbnails_missing
                     else self.image_urls[listing.name] + f"?width={width}")
            info.update(thumburl=thumb, thumbwidth=width,
                        thumbheight=width * listing.height // max(listing.width, 1))
        return {"pageid": 5000 + rank * 7, "ns": 6, "title": title, "index": rank + 1, "imagerepository": "local",
                "imageinfo": [info]}


class FakeOpenverse(_Fake):
    prefix = "/openverse"

    def __init__(self, web: FakeWeb, listings: list[Listing]) -> None:
        super().__init__(web, listings)
        web.route(f"{self.prefix}/v1/images/", self._answer(self._images))
        self.api_url = web.url(f"{self.prefix}/v1/")

    def _images(self, request: Request) -> Reply:
        page, page_size = int(request.query.get("page", "1")), int(request.query.get("page_size", "20"))
        if page_size > 20:
            return _json({"detail": "Authentication credentials were not provided."}, status=401)
        if "q" not in request.query:
            return _json({"detail": "A search needs q."}, status=400)
        page_count = max(1, -(-len(self.listings) // page_size))
        if page > page_count:
            return _json({"detail": "Invalid page."}, status=400)
        chosen = self.listings[(page - 1) * page_size: page * page_size]
        results = [self._result(i, listing) for i, listing in enumerate(chosen)]
        return _json({"result_count": len(self.listings), "page_count": page_count, "page_size": page_size,
                      "page": page, "results": results, "warnings": []})

    def _result(self, i: int, listing: Listing) -> dict:
        ident = f"4bc43a04-ef46-4544-a0c1-63c63f56{i:04d}"
        return {
            "id": ident, "title": listing.title or None, "indexed_on": "2024-05-01T12:00:00Z",
            "foreign_landing_url": f"https://www.flickr.com/photos/jd/{i}", "url": self.image_urls[listing.name],
            "creator": listing.author or None, "creator_url": "https://www.flickr.com/photos/jd",
            "license": listing.license, "license_version": listing.license_version or None,
            "license_url": _license_url(listing), "provider": "flickr", "source": "flickr", "category": "photograph",
            "genres": None, "filesize": len(listing.body) or None, "filetype": "jpg", "tags": [],
            "attribution": f'"{listing.title}" by {listing.author} is licensed under {_license_name(listing)}.',
            "fields_matched": ["title"], "mature": False, "height": listing.height, "width": listing.width,
            "thumbnail": f"https://api.openverse.org/v1/images/{ident}/thumb/",
            "detail_url": f"https://api.openverse.org/v1/images/{ident}/",
            "related_url": f"https://api.openverse.org/v1/images/{ident}/related/", "unstable__sensitivity": [],
        }


class FakeDuckDuckGo(_Fake):
    prefix = "/ddg"
    VQD = "4-211138934307129393811094125633587091042"

    def __init__(self, web: FakeWeb, listings: list[Listing]) -> None:
        super().__init__(web, listings)
        self.base_url = web.route(self.prefix, self._answer(self._start))
        web.route(f"{self.prefix}/i.js", self._answer(self._images))

    def _start(self, request: Request) -> Reply:
        page = (f'<html><head><title>{html.escape(request.query.get("q", ""))} at DuckDuckGo</title></head>'
                f'<body><script>DDG.deep.initialize("/d.js?q=x&vqd={self.VQD}&p=1");vqd="{self.VQD}";</script>'
                "</body></html>")
        return Reply(200, page.encode(), "text/html; charset=UTF-8")

    def _images(self, request: Request) -> Reply:
        q = request.query
        if q.get("vqd") != self.VQD or q.get("o") != "json":
            return Reply(403, b"", "text/html")
        offset = int(q.get("s", "0"))
        chosen = self.listings[offset:offset + 100]
        results = [{"height": lst.height, "image": self.image_urls[lst.name], "image_token": f"tok{i}",
                    "source": "Bing", "thumbnail": f"https://tse1.mm.bing.net/th?id=OIP.{i}&pid=Api",
                    "thumbnail_token": f"th{i}", "title": lst.title or lst.name, "url": f"https://example.org/p/{i}",
                    "width": lst.width} for i, lst in enumerate(chosen, start=offset)]
        body = {"ads": None, "query": q.get("q"), "queryEncoded": quote(q.get("q", "")),
                "response_type": "places", "results": results, "vqd": {q.get("q"): self.VQD}}
        if offset + 100 < len(self.listings):
            body["next"] = f"i.js?q={quote(q.get('q', ''))}&o=json&p=1&s={offset + 100}&u=bing&f=,,,,,&l=us-en"
        return Reply(200, json.dumps(body).encode(), "application/json; charset=UTF-8")


class FakeBing(_Fake):
    prefix = "/bing"

    def __init__(self, web: FakeWeb, listings: list[Listing]) -> None:
        super().__init__(web, listings)
        web.route(f"{self.prefix}/images/async", self._answer(self._async))
        self.base_url = web.url(self.prefix)

    def _async(self, request: Request) -> Reply:
        first, count = int(request.query.get("first", "1")), int(request.query.get("count", "35"))
        chosen = self.listings[first - 1: first - 1 + count]
        tiles = "".join(self._tile(first + i, lst) for i, lst in enumerate(chosen))
        return Reply(200, f'<ul class="dgControl_list">{tiles}</ul>'.encode(), "text/html; charset=utf-8")

    def _tile(self, i: int, listing: Listing) -> str:
        meta = {"cid": f"c{i}", "purl": f"https://example.org/page/{i}", "murl": self.image_urls[listing.name],
                "turl": f"https://tse2.mm.bing.net/th?id=OIP.{i}", "md5": f"{i:032x}",
                "t": listing.title or listing.name, "mid": f"M{i}", "desc": ""}
        return (
            f'<li data-idx="{i}"><div class="iuscp isv"><div class="imgpt">'
            f'<a class="iusc" m="{html.escape(json.dumps(meta))}" href="/images/search?view=detailV2&amp;id={i}">'
            f'<img class="mimg" src="{meta["turl"]}" alt="{html.escape(listing.name)}"/></a>'
            f'<div class="img_info hon"><span class="nowrap">{listing.width} × {listing.height} · jpeg</span></div>'
            f'</div><div class="infopt"><a class="inflnk" href="{meta["purl"]}">{html.escape(listing.name)}</a>'
            f'<div class="lnkw"><a href="{meta["purl"]}">example.org</a></div></div></div></li>'
        )


def _license_name(listing: Listing) -> str:
    return "CC0" if listing.license == "cc0" else f"CC {listing.license.upper()} {listing.license_version}".strip()


def _license_url(listing: Listing) -> str:
    if listing.license == "cc0":
        return "https://creativecommons.org/publicdomain/zero/1.0/"
    return f"https://creativecommons.org/licenses/{listing.license}/{listing.license_version}/"


def _json(data: dict, status: int = 200) -> Reply:
    return Reply(status, json.dumps(data).encode(), "application/json; charset=utf-8")
