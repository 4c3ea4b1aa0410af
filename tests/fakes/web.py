"""A real HTTP server on a loopback address, in a thread, standing in for the outside web.

Tests add routes: a path maps to a function that gets the request and answers with a Reply, or writes to
the socket itself for misbehaviour (slow, endless, trickling). Every request is logged so tests can say
what was (and was not) fetched.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes = b""  # what a POST sent (a webhook call)


@dataclass
class Reply:
    status: int = 200
    body: bytes | Iterable[bytes] = b""
    content_type: str = "application/octet-stream"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering at all


Route = Callable[[Request], Reply]


class FakeWeb:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
                self._answer("GET", b"")

            def do_POST(self) -> None:  # noqa: N802
                self._answer("POST", self.rfile.read(int(self.headers.get("Content-Length") or 0)))

            def _answer(self, method: str, body: bytes) -> None:
                parts = urlsplit(self.path)
                request = Request(method, parts.path, {k: v[-1] for k, v in parse_qs(parts.query).items()},
                                  {k.lower(): v for k, v in self.headers.items()}, body)
                with fake._lock:
                    fake.requests.append(request)
                route = fake.routes.get(parts.path)
                reply = route(request) if route else Reply(404, b"not found", "text/plain")
                if reply.delay:
                    time.sleep(reply.delay)
                # The client giving up early is what several tests want.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._send(reply)

            def _send(self, reply: Reply) -> None:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                if isinstance(reply.body, bytes):
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                    return
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for chunk in reply.body:
                    self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.host, self.port = self.server.server_address[:2]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- life ----------------------------------------------------------------------------------------
    def __enter__(self) -> FakeWeb:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- routes --------------------------------------------------------------------------------------
    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def route(self, path: str, handler: Route) -> str:
        self.routes[path] = handler
        return self.url(path)

    def file(self, path: str, body: bytes, content_type: str = "image/jpeg", *, delay: float = 0.0) -> str:
        return self.route(path, lambda _request: Reply(200, body, content_type, delay=delay))

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        return self.route(path, lambda _request: Reply(status, b"", "text/plain", {"Location": location}))

    def hits(self, path: str) -> int:
        with self._lock:
            return sum(1 for r in self.requests if r.path == path)
