"""A body over the upload limit is refused from its Content-Length, before any of it is read."""

from __future__ import annotations

import io

import pytest
from django.core.handlers.wsgi import WSGIHandler


class CountingBody(io.RawIOBase):
    """A 50 MB request body that is never materialised; it counts how much the app reads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.size - self.read_bytes)
        buffer[:n] = b"\0" * n
        self.read_bytes += n
        return n


def call_wsgi(path: str, body: CountingBody, content_type: str) -> tuple[str, dict, bytes]:
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": body,
        "CONTENT_LENGTH": str(body.size),
        "CONTENT_TYPE": content_type,
    }
    captured = {}

    def start_response(status, headers, exc_info=None):
        captured["status"], captured["headers"] = status, dict(headers)

    content = b"".join(WSGIHandler()(environ, start_response))
    return captured["status"], captured["headers"], content


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/api/v1/classifiers/00000000-0000-0000-0000-000000000000/labels/00000000-0000-0000-0000-0000000000"
             "00/images/", "/api/v1/classifiers/"]
)
def test_a_50_mb_upload_to_the_api_is_a_json_413_before_reading_the_body(path, settings):
    body = CountingBody(50 * 1024 * 1024)
    status, headers, content = call_wsgi(path, body, "multipart/form-data; boundary=xyz")
    assert status.startswith("413")
    assert headers["Content-Type"] == "application/json"
    assert b'"code": "too_large"' in content
    limit = settings.MAX_UPLOAD_BYTES // 2**20
    assert f"The request is 50.0 MB; the limit is {limit} MB.".encode() in content
    assert body.read_bytes == 0


@pytest.mark.django_db
def test_a_50_mb_upload_to_a_page_is_a_plain_413_before_reading_the_body(settings):
    body = CountingBody(50 * 1024 * 1024)
    status, headers, content = call_wsgi("/classifiers/x/upload/", body, "multipart/form-data; boundary=xyz")
    assert status.startswith("413")
    assert headers["Content-Type"].startswith("text/plain")
    assert f"the limit is {settings.MAX_UPLOAD_BYTES // 2**20} MB".encode() in content
    assert body.read_bytes == 0


@pytest.mark.django_db
def test_a_body_within_the_limit_goes_through():
    body = CountingBody(1000)
    status, _, _ = call_wsgi("/api/v1/classifiers/", body, "application/json")
    # No key: the request reached the API and was answered there, not by the size guard.
    assert status.startswith("401")
