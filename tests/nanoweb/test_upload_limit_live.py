"""A 50 MB upload to the running server (gunicorn, as `make run` starts it) is answered 413 at once: the
body is trickled in slowly, and the answer comes while almost all of it is still unsent, so the server
cannot have read it."""

from __future__ import annotations

import socket
import threading
import time
import uuid

import pytest

from tests.worker import database_url_of_test_db, process_env, web_server

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

FIFTY_MB = 50 * 1024 * 1024
CHUNK = 64 * 1024


@pytest.fixture
def site(tmp_path):
    env = process_env(DATABASE_URL=database_url_of_test_db(), NANOWEB_DATA_DIR=str(tmp_path), NANOWEB_DEBUG="0",
                      NANOWEB_MAX_UPLOAD_MB="25")
    with web_server(env) as base:
        yield base


def trickle_upload(base: str, path: str) -> tuple[bytes, int, float]:
    """POST a declared 50 MB multipart body, 64 KB every 50 ms. Returns the answer's first bytes, how many
    body bytes had been sent when it came, and how long it took."""
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    sock.sendall((f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=x\r\n"
                  f"Content-Length: {FIFTY_MB}\r\n\r\n").encode())
    sent, stop = [0], threading.Event()

    def send_slowly() -> None:
        try:
            while not stop.is_set() and sent[0] < FIFTY_MB:
                sock.sendall(b"\0" * CHUNK)
                sent[0] += CHUNK
                time.sleep(0.05)
        except OSError:
            pass  # the server closed the connection: it is not going to read the rest

    started = time.monotonic()
    sender = threading.Thread(target=send_slowly, daemon=True)
    sender.start()
    answer = sock.recv(4096)
    elapsed, sent_when_answered = time.monotonic() - started, sent[0]
    while b"\r\n\r\n" in answer and len(answer) < 400:  # the body may follow the headers in a second packet
        more = sock.recv(4096)
        if not more:
            break
        answer += more
    stop.set()
    sender.join(timeout=5)
    sock.close()
    return answer, sent_when_answered, elapsed


@pytest.mark.parametrize("where", ["api", "page"])
def test_a_50_mb_upload_is_refused_with_413_before_the_server_reads_it(site, where):
    label = f"{uuid.uuid4()}/labels/{uuid.uuid4()}" if where == "api" else f"{uuid.uuid4()}/classes/{uuid.uuid4()}"
    path = f"/api/v1/classifiers/{label}/images/" if where == "api" else f"/classifiers/{label}/upload/"
    answer, sent, elapsed = trickle_upload(site, path)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert elapsed < 5
    assert sent < FIFTY_MB // 10, f"{sent} bytes had been sent when the answer came"
    assert b"The request is 50.0 MB; the limit is 25 MB. Send fewer or smaller files at a time." in answer
