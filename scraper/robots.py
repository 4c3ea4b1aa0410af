"""robots.txt, read once per site per import and obeyed for the page and the pictures on it (RFC 9309:
a missing robots.txt (4xx) allows everything; one that cannot be read (5xx, no answer) allows nothing)."""

from __future__ import annotations

from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from scraper.safehttp import FetchError, fetch

ROBOT_NAME = "NanoWeb"
MAX_ROBOTS_BYTES = 512 * 1024


class Robots:
    def __init__(self, *, deadline: float | None = None) -> None:
        self._parsers: dict[str, RobotFileParser | bool] = {}
        self._deadline = deadline  # as for safehttp.fetch: shared with the page and its pictures

    def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._parsers:
            self._parsers[origin] = self._load(origin)
        parser = self._parsers[origin]
        return parser if isinstance(parser, bool) else parser.can_fetch(ROBOT_NAME, url)

    def _load(self, origin: str) -> RobotFileParser | bool:
        try:
            fetched = fetch(f"{origin}/robots.txt", max_bytes=MAX_ROBOTS_BYTES, accept="text/plain",
                            deadline=self._deadline)
        except FetchError as exc:
            if exc.code in ("blocked_address", "bad_url", "connection_failed", "timeout"):
                # The site itself may not be fetched, or cannot be reached: say that, not "robots.txt".
                raise
            # Missing (4xx): everything allowed. Unreadable (5xx, a redirect loop): nothing is.
            return exc.code == "http_error" and exc.status is not None and 400 <= exc.status < 500
        parser = RobotFileParser()
        parser.parse(fetched.content.decode("utf-8", errors="replace").splitlines())
        return parser
