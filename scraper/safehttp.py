"""Outbound HTTP for URLs that come from people or search results (the style of healthchecks' hc/lib/curl.py).

- http and https only; redirects followed by hand, capped, and every hop checked again;
- the host is resolved when the socket is opened and private, loopback, link-local, reserved and multicast
  addresses are refused unless settings.ALLOW_PRIVATE_URLS. The check runs inside the connection itself, on
  the very address the socket connects to, so a name that resolves to a public address once and to
  127.0.0.1 the next time (DNS rebinding) cannot slip through between the check and the connect;
- connect and read timeouts, plus a total deadline kept by a watchdog that shuts the connection's socket when
  it passes: a server that trickles a byte a second, in its headers or its body, never trips a read timeout
  and would otherwise hold a web thread for as long as it likes;
- a byte cap enforced while streaming, before the body is held in memory;
- proxies from the environment are ignored: a proxy would connect on our behalf, past the address check.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3 import PoolManager
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

from nanoweb.errors import ServiceError

USER_AGENT = "NanoWeb/1.0 (+self-hosted image classifier builder)"


class FetchError(ServiceError):
    """A URL could not be fetched; `code` says why in one word, `message` in a sentence."""

    http_status = 400

    def __init__(self, code: str, message: str, *, url: str = "", status: int | None = None) -> None:
        super().__init__(message, details={"url": url} if url else None)
        self.code = code
        self.url = url
        self.status = status  # the HTTP status for code "http_error"
        if code == "too_large":
            self.http_status = 413


class BlockedAddress(Exception):
    """Raised from inside the connection; not an OSError so urllib3 does not retry or wrap it."""

    def __init__(self, host: str, address: str) -> None:
        super().__init__(f"{host} resolves to {address}")
        self.host = host
        self.address = address


def address_is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast
        or ip.is_unspecified or not ip.is_global
    )


def _guarded_socket(host: str, port: int, timeout: float | None, source_address, socket_options) -> socket.socket:
    """Resolve, drop addresses we may not reach, connect to the first allowed one that answers."""
    infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
    allowed = infos if settings.ALLOW_PRIVATE_URLS else [i for i in infos if address_is_public(i[4][0])]
    if not allowed:
        raise BlockedAddress(host, infos[0][4][0] if infos else "nothing")
    last_error: OSError | None = None
    for family, socktype, proto, _name, sockaddr in allowed:
        sock = socket.socket(family, socktype, proto)
        try:
            for opt in socket_options or ():
                sock.setsockopt(*opt)
            if isinstance(timeout, int | float):  # urllib3 may pass its "default" sentinel instead
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            last_error = exc
            sock.close()
    raise last_error or OSError(f"could not connect to {host}")


class _Watchdog:
    """Shuts down, at the deadline, every socket one fetch used. A thread blocked in recv() wakes only when
    its socket is shut down; closing it from another thread is not enough."""

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self.headers_seen = False  # for the words: a slow answer, or a slow file
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._timer = threading.Timer(max(0.0, seconds), self._fire)
        self._timer.daemon = True

    def __enter__(self) -> _Watchdog:
        _local.watchdog = self
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()
        _local.watchdog = None

    def watch(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            fired = self.fired
        if fired:
            _shut(sock)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed
        socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket's, also under an SSL wrapper


def _watch(sock: socket.socket | None) -> None:
    watchdog = getattr(_local, "watchdog", None)
    if watchdog is not None:
        watchdog.watch(sock)


class _WatchedPoolMixin:
    """A pooled connection reused by a fetch is watched by that fetch's watchdog."""

    def _get_conn(self, timeout=None):
        connection = super()._get_conn(timeout)
        _watch(getattr(connection, "sock", None))
        return connection


class _WatchedConnectionMixin:
    """A new connection's socket is watched as soon as it exists (the SSL one for https, which replaces the
    plain socket object). The socket itself, not the connection: a "Connection: close" answer detaches the
    socket from the connection while its body is still being read."""

    def connect(self) -> None:
        super().connect()
        _watch(self.sock)


class _GuardedMixin:
    def _new_conn(self) -> socket.socket:  # same error wrapping as urllib3's own _new_conn
        try:
            return _guarded_socket(self._dns_host, self.port, self.timeout, self.source_address, self.socket_options)
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc
        except TimeoutError as exc:
            raise ConnectTimeoutError(self, f"Connection to {self.host} timed out.") from exc
        except OSError as exc:
            raise NewConnectionError(self, f"Failed to establish a new connection: {exc}") from exc


class _GuardedHTTPConnection(_WatchedConnectionMixin, _GuardedMixin, HTTPConnection):
    pass


class _GuardedHTTPSConnection(_WatchedConnectionMixin, _GuardedMixin, HTTPSConnection):
    pass


class _PlainHTTPConnection(_WatchedConnectionMixin, HTTPConnection):
    pass


class _PlainHTTPSConnection(_WatchedConnectionMixin, HTTPSConnection):
    pass


class _GuardedHTTPPool(_WatchedPoolMixin, HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(_WatchedPoolMixin, HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class _PlainHTTPPool(_WatchedPoolMixin, HTTPConnectionPool):
    ConnectionCls = _PlainHTTPConnection


class _PlainHTTPSPool(_WatchedPoolMixin, HTTPSConnectionPool):
    ConnectionCls = _PlainHTTPSConnection


class _Adapter(HTTPAdapter):
    def __init__(self, *, guarded: bool) -> None:
        self._pools = {"http": _GuardedHTTPPool, "https": _GuardedHTTPSPool} if guarded else {
            "http": _PlainHTTPPool, "https": _PlainHTTPSPool}
        super().__init__(pool_connections=20, pool_maxsize=20)

    def init_poolmanager(self, connections, maxsize, block=False, **pool_kwargs) -> None:
        self.poolmanager = PoolManager(num_pools=connections, maxsize=maxsize, block=block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(self._pools)


_local = threading.local()


def _session(guarded: bool) -> requests.Session:
    """One session per thread (requests sessions are not thread-safe), kept for connection reuse."""
    attr = "guarded" if guarded else "plain"
    session = getattr(_local, attr, None)
    if session is None:
        session = requests.Session()
        session.trust_env = False
        session.headers["User-Agent"] = USER_AGENT
        adapter = _Adapter(guarded=guarded)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        setattr(_local, attr, session)
    return session


def _drop_sessions() -> None:
    """After the watchdog fired: its sockets are shut, so no pooled connection of this thread is trusted."""
    for attr in ("guarded", "plain"):
        session = getattr(_local, attr, None)
        if session is not None:
            session.close()
            setattr(_local, attr, None)


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    status: int
    content_type: str
    content: bytes


def _origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or (443 if scheme == "https" else 80)


def is_configured_search_host(url: str) -> bool:
    """True for a URL on the very scheme, host and port of a search endpoint the operator configured.

    Pictures a search service serves from its own host are as trusted as the service: an operator who points
    NANOWEB_COMMONS_API_URL at a mirror on a private network gets its pictures without opening every private
    address. Only the first request gets this; a redirect from there is checked like any other.
    """
    endpoints = (settings.COMMONS_API_URL, settings.OPENVERSE_API_URL, settings.DUCKDUCKGO_URL, settings.BING_URL)
    return _origin(url) in {_origin(endpoint) for endpoint in endpoints}


def check_url(url: str) -> str:
    """The URL stripped, or FetchError in words if it is not an http(s) URL with a host."""
    url = (url or "").strip()
    if not url:
        raise FetchError("bad_url", "The address is empty.", url=url)
    if len(url) > 2000:
        raise FetchError("bad_url", "The address is longer than 2000 characters.", url=url[:200])
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        raise FetchError("bad_url", f"{url} is not a web address NanoWeb can read.", url=url) from None
    if parts.scheme.lower() not in ("http", "https"):
        shown = parts.scheme or "no scheme"
        raise FetchError("bad_url", f"Only http:// and https:// addresses can be fetched, not {shown}.", url=url)
    if not parts.hostname:
        raise FetchError("bad_url", f"{url} has no host name.", url=url)
    return url


def fetch(
    url: str,
    *,
    max_bytes: int,
    guarded: bool = True,
    accept: str = "*/*",
    extra_headers: dict[str, str] | None = None,
    params: dict | None = None,
    timeout: float | None = None,
    deadline: float | None = None,
    trust_search_host: bool = False,
) -> Fetched:
    """GET `url` within every limit above. `guarded=False` is only for operator-configured endpoints
    (the search APIs in settings), which may legitimately live on a private network.

    deadline: a time.monotonic() by which the whole fetch, redirects included, must be done, when a caller
    shares one budget between several fetches; the fetch's own total limit applies as well.
    trust_search_host: the URL came from a search service's answer, so a picture on the service's own host
    is as trusted as the service. Never for an address a person typed: that is checked like any other.
    """
    url = check_url(url)
    trusted_first_hop = trust_search_host and is_configured_search_host(url)

    def hops(ends: float, total: float) -> Fetched:
        return _fetch_hops(url, max_bytes=max_bytes, guarded=guarded, accept=accept, extra_headers=extra_headers,
                           params=params, timeout=timeout, trusted_first_hop=trusted_first_hop, ends=ends,
                           total=total)

    return _within_total_limit(url, hops, timeout=timeout, deadline=deadline)


def post(url: str, *, body: bytes, headers: dict[str, str], max_bytes: int, timeout: float) -> Fetched:
    """POST `body` to `url` (a webhook) under the same address rules and total limit as `fetch`. Any status
    is returned, errors included, so the caller can log what the server said; a redirect is not followed
    (a signed body re-sent elsewhere is not what the owner asked for) and comes back as its 3xx. The body
    read is cut at `max_bytes` rather than refused: only an excerpt of it is kept."""
    url = check_url(url)

    def send(ends: float, total: float) -> Fetched:
        host = urlsplit(url).hostname or url
        left = max(0.1, ends - time.monotonic())
        response = _send(_session(guarded=True).post, url, host=host, data=body, headers=headers, stream=True,
                         allow_redirects=False, timeout=(min(settings.FETCH_CONNECT_TIMEOUT, left), min(timeout, left)))
        with response:
            watchdog = getattr(_local, "watchdog", None)
            if watchdog is not None:
                watchdog.headers_seen = True
            content = b""
            try:
                for chunk in response.iter_content(max_bytes or 1):
                    content = chunk[:max_bytes]
                    break
            except requests.exceptions.RequestException:
                pass  # the status is what counts; the excerpt of the answer is only a courtesy
            return Fetched(url=url, status=response.status_code,
                           content_type=response.headers.get("Content-Type", ""), content=content)

    return _within_total_limit(url, send, timeout=timeout, deadline=None)


def _within_total_limit(url: str, work, *, timeout: float | None, deadline: float | None) -> Fetched:
    """Run `work(ends, total)` under a watchdog that shuts its sockets at the total limit (the fetch's own,
    or the caller's shared deadline if sooner), and say in words which limit was hit."""
    host = urlsplit(url).hostname or url
    total = timeout or settings.FETCH_TOTAL_TIMEOUT
    ends = time.monotonic() + total
    if deadline is not None and deadline < ends:
        ends = deadline
        total = max(1, round(deadline - time.monotonic()))  # said in whole seconds
    if ends <= time.monotonic():
        raise FetchError("timeout", f"There was no time left to fetch from {host}.", url=url)
    watchdog = _Watchdog(ends - time.monotonic())
    try:
        with watchdog:
            fetched = work(ends, total)
    except FetchError as exc:
        if not watchdog.fired or exc.code in ("too_large", "blocked_address", "bad_url", "http_error"):
            raise
        # Cut by the watchdog: whatever the shut socket made the reading code say, the reason is the time.
        fetched = None
    if watchdog.fired:
        _drop_sessions()
        if watchdog.headers_seen:
            raise FetchError("timeout", f"{host} sent the file too slowly (not finished after {total:g} s).", url=url)
        raise FetchError("timeout", f"{host} did not answer in time (nothing within {total:g} s).", url=url)
    return fetched


def _fetch_hops(url: str, *, max_bytes: int, guarded: bool, accept: str, extra_headers: dict[str, str] | None,
                params: dict | None, timeout: float | None, trusted_first_hop: bool, ends: float,
                total: float) -> Fetched:
    headers = {"Accept": accept, **(extra_headers or {})}
    read_timeout = timeout or settings.FETCH_READ_TIMEOUT
    host = urlsplit(url).hostname or url
    for hop in range(settings.FETCH_MAX_REDIRECTS + 1):
        session = _session(guarded=guarded and not (hop == 0 and trusted_first_hop))
        left = max(0.1, ends - time.monotonic())
        response = _send(session.get, url, host=host, headers=headers, params=params, stream=True,
                         allow_redirects=False,
                         timeout=(min(settings.FETCH_CONNECT_TIMEOUT, left), min(read_timeout, left)))
        params = None  # only the first request carries query parameters; a redirect's Location is complete
        with response:
            if response.is_redirect:
                location = response.headers.get("Location", "")
                url = check_url(urljoin(url, location))
                host = urlsplit(url).hostname or url
                continue
            if response.status_code >= 400:
                raise FetchError(
                    "http_error", f"{host} answered {response.status_code} {response.reason or ''}".rstrip() + ".",
                    url=url, status=response.status_code,
                )
            watchdog = getattr(_local, "watchdog", None)
            if watchdog is not None:
                watchdog.headers_seen = True
            content = _read_capped(response, max_bytes=max_bytes, deadline=ends, total=total, url=url,
                                   host=host)
            return Fetched(url=url, status=response.status_code,
                           content_type=response.headers.get("Content-Type", ""), content=content)
    raise FetchError("too_many_redirects",
                     f"{host} redirected more than {settings.FETCH_MAX_REDIRECTS} times.", url=url)


def _send(method, url: str, *, host: str, **kwargs) -> requests.Response:
    """`method(url, **kwargs)`'s response (a session's get or post), or FetchError saying in words why there
    is none."""
    try:
        return method(url, **kwargs)
    except BlockedAddress as exc:
        raise FetchError(
            "blocked_address",
            f"{exc.host} points to {exc.address}, an address inside a private network; NanoWeb only "
            "fetches from the public internet.",
            url=url,
        ) from None
    except requests.exceptions.Timeout:
        raise FetchError("timeout", f"{host} did not answer in time.", url=url) from None
    except requests.exceptions.RequestException as exc:
        raise FetchError("connection_failed", f"Could not connect to {host}: {_reason(exc)}.", url=url) from None


def _read_capped(response: requests.Response, *, max_bytes: int, deadline: float, total: float, url: str,
                 host: str) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(
            "too_large", f"The file at {host} is {human_size(int(declared))}; the limit is {human_size(max_bytes)}.",
            url=url)
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > max_bytes:
                raise FetchError("too_large", f"The file at {host} is larger than the {human_size(max_bytes)} limit.",
                                 url=url)
            if time.monotonic() > deadline:
                raise FetchError(
                    "timeout",
                    f"{host} sent the file too slowly (not finished after {total:g} s).",
                    url=url)
            chunks.append(chunk)
    except requests.exceptions.RequestException as exc:
        if "timed out" in str(exc).lower() or isinstance(exc, requests.exceptions.Timeout):
            raise FetchError("timeout", f"{host} stopped sending the file.", url=url) from None
        raise FetchError("connection_failed", f"The download from {host} broke off: {_reason(exc)}.",
                         url=url) from None
    return b"".join(chunks)


def human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    return f"{n / 1024:.0f} KB" if n >= 1024 else f"{n} bytes"


def _reason(exc: Exception) -> str:
    text = str(exc)
    if "Name or service not known" in text or "NameResolutionError" in text or "nodename nor servname" in text:
        return "the host name does not exist"
    if "Connection refused" in text:
        return "the connection was refused"
    if "CERTIFICATE_VERIFY_FAILED" in text or "SSLError" in text:
        return "its HTTPS certificate is not valid"
    return "the connection failed"
