"""A local stand-in for Wikimedia Commons' search, on a loopback port, answering in the real API's format.

The MediaWiki Action API as NanoWeb's Commons provider calls it (scraper/providers/commons.py):
`GET /w/api.php?action=query&generator=search&gsrnamespace=6&gsrsearch=Q&gsrlimit=N&gsroffset=O
&prop=imageinfo&iiprop=url|mime|size|extmetadata&iiurlwidth=W&format=json`. The answer lists the files as
`query.pages`, keyed by page id in no particular order (formatversion 1, the default) or as a list
(formatversion=2), each with its rank in `index` and one `imageinfo` entry (url, thumburl, sizes, mime,
extmetadata with the licence and author); `continue: {gsroffset, continue}` while more results remain. As
on Commons, a rendition asked wider than the original is the original itself. Errors come as
`{"error": {"code", "info"}}` with status 200, as MediaWiki sends them.

Each query answers the results it was given (`results[query]`, best first); the pictures' bytes are served
from /files/ on the same port. Used by `manage.py web_benchmark` and by its test.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, unquote, urlsplit

MAX_LIMIT = 50  # gsrlimit Commons allows an anonymous client asking for imageinfo


@dataclass(frozen=True)
class Listing:
    name: str  # the file's name, unique across all results: "hat-017.jpg"
    body: bytes
    width: int
    height: int
    title: str = ""
    author: str = "NanoWeb benchmark"
    license: str = "CC0"
    license_url: str = "https://creativecommons.org/publicdomain/zero/1.0/"


class CommonsStandIn:
    """Start with `with CommonsStandIn(results) as commons:`; `commons.api_url` is what
    NANOWEB_COMMONS_API_URL would be; `commons.served` counts the files fetched."""

    def __init__(self, results: dict[str, list[Listing]]) -> None:
        self.results = {" ".join(query.split()).lower(): listings for query, listings in results.items()}
        self.files = {listing.name: listing for listings in results.values() for listing in listings}
        self.served = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.api_url = f"{self.base_url}/w/api.php"

    def __enter__(self) -> CommonsStandIn:
        threading.Thread(target=self._server.serve_forever, daemon=True, name="commons-stand-in").start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- answers -------------------------------------------------------------------------------------
    def answer(self, path: str, query: dict[str, str]) -> tuple[int, str, bytes]:
        """(status, content type, body) for one GET."""
        if path == "/w/api.php":
            return 200, "application/json; charset=utf-8", json.dumps(self.search(query)).encode()
        if path.startswith("/files/"):
            listing = self.files.get(unquote(path[len("/files/"):]))
            if listing is not None:
                with self._lock:
                    self.served += 1
                return 200, "image/jpeg", listing.body
        return 404, "text/plain; charset=utf-8", b"Not Found"

    def search(self, q: dict[str, str]) -> dict:
        if q.get("action") != "query" or q.get("generator") != "search":
            return _error("badparams", "This stand-in answers action=query&generator=search only.")
        if q.get("gsrnamespace") != "6" or "imageinfo" not in q.get("prop", "").split("|"):
            return _error("badparams", "Files (gsrnamespace=6) with prop=imageinfo are expected.")
        if not q.get("gsrsearch"):
            return _error("nosrsearch", 'The "gsrsearch" parameter must be set.')
        try:
            limit, offset = int(q.get("gsrlimit", "10")), int(q.get("gsroffset", "0"))
        except ValueError:
            return _error("badinteger", "gsrlimit and gsroffset must be integers.")
        if not 1 <= limit <= MAX_LIMIT:
            return _error("toomanyvalues", f"gsrlimit may not be over {MAX_LIMIT}.")
        found = self.results.get(" ".join(q["gsrsearch"].split()).lower(), [])
        chosen = found[offset:offset + limit]
        width = int(q["iiurlwidth"]) if q.get("iiurlwidth", "").isdigit() else None
        pages = [self._page(offset + i, listing, width) for i, listing in enumerate(chosen)]
        body: dict = {"batchcomplete": ""}
        if offset + limit < len(found):
            body["continue"] = {"gsroffset": offset + limit, "continue": "gsroffset||"}
        if not pages:
            return body  # Commons leaves "query" out when a search finds nothing
        if q.get("formatversion") == "2":
            body["batchcomplete"] = True
            body["query"] = {"pages": pages}
        else:
            body["query"] = {"pages": {str(p["pageid"]): p for p in sorted(pages, key=lambda p: -p["pageid"])}}
        return body

    def _page(self, rank: int, listing: Listing, width: int | None) -> dict:
        title = "File:" + listing.name.replace(" ", "_")
        url = f"{self.base_url}/files/{quote(listing.name)}"
        info = {
            "size": len(listing.body), "width": listing.width, "height": listing.height, "url": url,
            "descriptionurl": f"{self.base_url}/wiki/{quote(title)}",
            "descriptionshorturl": f"{self.base_url}/w/index.php?curid={10_000 + rank}",
            "mime": "image/jpeg",
            "extmetadata": {
                "ObjectName": {"value": listing.title or listing.name.rsplit(".", 1)[0],
                               "source": "mediawiki-metadata", "hidden": ""},
                "Artist": {"value": f"<span>{listing.author}</span>", "source": "commons-desc-page"},
                "LicenseShortName": {"value": listing.license, "source": "commons-desc-page", "hidden": ""},
                "LicenseUrl": {"value": listing.license_url, "source": "commons-desc-page", "hidden": ""},
                "UsageTerms": {"value": listing.license, "source": "commons-desc-page", "hidden": ""},
            },
        }
        if width is not None:
            if width >= listing.width:  # Commons never upscales: the "rendition" is the original
                info.update(thumburl=url, thumbwidth=listing.width, thumbheight=listing.height)
            else:
                info.update(thumburl=f"{url}?width={width}", thumbwidth=width,
                            thumbheight=round(width * listing.height / max(listing.width, 1)))
        return {"pageid": 90_000 + rank * 13, "ns": 6, "title": title, "index": rank + 1,
                "imagerepository": "local", "imageinfo": [info]}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
                parts = urlsplit(self.path)
                query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
                status, content_type, body = standin.answer(parts.path, query)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        return Handler


def _error(code: str, info: str) -> dict:
    return {"error": {"code": code, "info": info,
                      "*": "See /w/api.php for API usage."}, "servedby": "nanoweb-stand-in"}
