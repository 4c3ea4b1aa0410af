"""A real TCP server on loopback that answers HTTP one byte at a time, as the slowest hostile server does.

http.server cannot send a response's headers slowly, nor a body with a Content-Length slowly (its reads then
block for a whole buffer, where a per-chunk check never runs), so this writes to the socket itself:

- `/headers...`: the status line and headers, one byte every `interval` seconds;
- anything else: the headers at once (Content-Length: `length`), then the body one byte every `interval`.

Every connection is counted and left open until the client goes away or the server stops.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time


class TrickleServer:
    def __init__(self, host: str = "127.0.0.1", *, interval: float = 1.0, length: int = 10_000) -> None:
        self.interval = interval
        self.length = length
        self.connections = 0
        self.closed_by_client = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._listener = socket.create_server((host, 0))
        self._listener.settimeout(0.2)
        self.host, self.port = self._listener.getsockname()[:2]
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def __enter__(self) -> TrickleServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._listener.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            request = b""
            conn.settimeout(5)
            with contextlib.suppress(OSError):
                while b"\r\n\r\n" not in request:
                    data = conn.recv(4096)
                    if not data:
                        return
                    request += data
            path = request.split(b" ", 2)[1] if request.count(b" ") >= 2 else b"/"
            head = (f"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: {self.length}\r\n"
                    "Connection: close\r\n\r\n").encode()
            if path.startswith(b"/headers"):
                self._drip(conn, head)
            else:
                with contextlib.suppress(OSError):
                    conn.sendall(head)
                self._drip(conn, b"\xff" * self.length)

    def _drip(self, conn: socket.socket, data: bytes) -> None:
        for i in range(len(data)):
            if self._stop.is_set():
                return
            try:
                conn.sendall(data[i:i + 1])
            except OSError:  # the client hung up: what a deadline should make it do
                with self._lock:
                    self.closed_by_client += 1
                return
            time.sleep(self.interval)
