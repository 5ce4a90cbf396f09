"""A minimal HTTP/1.1 client for the Mesos v1 APIs, on plain sockets.

http.client cannot hand out a long-lived chunked response incrementally on every Python 3
version we support, nor be interrupted cleanly from another thread; the event streams need
both. Every request uses its own connection (`Connection: close`): the APIs require the
event stream and the calls to travel on different connections anyway.
"""

import re
import socket
import ssl
import threading

from . import tls


class HttpError(Exception):
    """The peer did not speak HTTP we understand."""


class Endpoint(object):
    """Where an API lives: scheme (http or https), host and port."""

    __slots__ = ("scheme", "host", "port")

    def __init__(self, host, port, scheme="http"):
        if scheme not in ("http", "https"):
            raise ValueError("unsupported scheme %r (http or https)" % scheme)
        self.scheme = scheme
        self.host = host
        self.port = int(port)

    def host_header(self):
        host = "[%s]" % self.host if ":" in self.host else self.host
        return "%s:%d" % (host, self.port)

    def url(self, path=""):
        return "%s://%s%s" % (self.scheme, self.host_header(), path)

    def __eq__(self, other):
        return isinstance(other, Endpoint) and (self.scheme, self.host, self.port) == (
            other.scheme,
            other.host,
            other.port,
        )

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash((self.scheme, self.host, self.port))

    def __repr__(self):
        return "Endpoint(%r)" % self.url()


_ADDRESS = re.compile(r"^(?:(https?)://)?(\[[^\]]+\]|[^:/\s\[\]]+)(?::(\d{1,5}))?/*$")


def parse_endpoint(value, default_port):
    """Parses `host`, `host:port`, `http://host:port`, `https://host:port/` or `[::1]:port`.

    Without a scheme: https when LIBPROCESS_SSL_ENABLED is true (see tls.py), else http.
    """
    text = value.strip()
    if text.startswith("zk://"):
        raise ValueError(
            "%r is a ZooKeeper URL; give the master as host:port or http://host:port" % text
        )
    match = _ADDRESS.match(text)
    if not match:
        raise ValueError("%r is not an address; expected host:port or http://host:port" % text)
    scheme = match.group(1) or ("https" if tls.enabled() else "http")
    host = match.group(2).strip("[]")
    port = int(match.group(3)) if match.group(3) else default_port
    if not 0 < port < 65536:
        raise ValueError("%r: port %d is out of range 1-65535" % (text, port))
    return Endpoint(host, port, scheme)


def resolve_location(current, location):
    """The endpoint a redirect points at (Mesos sends protocol-relative `//host:port/path`)."""
    match = re.match(r"^(?:(https?):)?//([^/]+)", location)
    if not match:
        return current
    scheme = match.group(1) or current.scheme
    default_port = 443 if scheme == "https" else 80
    endpoint = parse_endpoint(match.group(2), default_port)
    return Endpoint(endpoint.host, endpoint.port, scheme)


class Response(object):
    """A complete response: status, reason, headers (lower-case names), body bytes."""

    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body

    def text(self):
        return self.body.decode("utf-8", "replace").strip()


class Stream(object):
    """A response whose body is read as it arrives; close() may be called from any thread."""

    def __init__(self, sock, reader, status, reason, headers):
        self.status = status
        self.reason = reason
        self.headers = headers
        self._sock = sock
        self._reader = reader
        self._closed = False
        self._lock = threading.Lock()

    def set_timeout(self, seconds):
        """Read timeout: reading raises socket.timeout after this long without data."""
        self._sock.settimeout(seconds)

    def chunks(self):
        """Yields body bytes as they arrive, until the body ends (or the stream is closed)."""
        try:
            for data in _body_chunks(self._reader, self.headers):
                yield data
        except (OSError, ValueError, HttpError):
            if self._closed:
                return
            raise

    def read_all(self):
        return b"".join(self.chunks())

    @property
    def closed(self):
        return self._closed

    def close(self):
        with self._lock:
            if self._closed:
                return
            self._closed = True
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()


_context_cache = []


def _environment_context():
    """The context LIBPROCESS_SSL_* describe, made once per process; None when TLS is off."""
    if not _context_cache:
        _context_cache.append(tls.client_context())
    return _context_cache[0]


def open_stream(endpoint, method, path, body=b"", headers=None, timeout=10.0, ssl_context=None):
    """Sends a request and returns a Stream positioned at the start of the body."""
    sock = socket.create_connection((endpoint.host, endpoint.port), timeout)
    try:
        if endpoint.scheme == "https":
            context = ssl_context or _environment_context() or ssl.create_default_context()
            sock = context.wrap_socket(sock, server_hostname=endpoint.host)
        sock.sendall(_request_bytes(endpoint, method, path, body, headers or {}))
        reader = sock.makefile("rb")
        status, reason, response_headers = _read_head(reader)
        return Stream(sock, reader, status, reason, response_headers)
    except BaseException:
        sock.close()
        raise


def request(endpoint, method, path, body=b"", headers=None, timeout=10.0, ssl_context=None):
    """Sends a request and reads the whole response."""
    stream = open_stream(endpoint, method, path, body, headers, timeout, ssl_context)
    try:
        data = stream.read_all()
    finally:
        stream.close()
    return Response(stream.status, stream.reason, stream.headers, data)


def _request_bytes(endpoint, method, path, body, headers):
    if isinstance(body, str):
        body = body.encode("utf-8")
    lines = ["%s %s HTTP/1.1" % (method, path), "Host: %s" % endpoint.host_header()]
    names = set(name.lower() for name in headers)
    for name, value in headers.items():
        lines.append("%s: %s" % (name, value))
    if "connection" not in names:
        lines.append("Connection: close")
    if "user-agent" not in names:
        lines.append("User-Agent: python-mesos")
    lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _read_line(reader):
    line = reader.readline(65537)
    if len(line) > 65536:
        raise HttpError("HTTP header line too long")
    return line


def _read_head(reader):
    while True:
        status_line = _read_line(reader)
        if not status_line:
            raise HttpError("connection closed before a response arrived")
        parts = status_line.decode("latin-1").rstrip("\r\n").split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
            raise HttpError("malformed status line %r" % status_line[:80])
        status = int(parts[1])
        reason = parts[2] if len(parts) > 2 else ""
        headers = {}
        while True:
            line = _read_line(reader)
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        # 1xx interim responses (100 Continue) precede the real one.
        if not 100 <= status < 200:
            return status, reason, headers


def _body_chunks(reader, headers):
    if "chunked" in headers.get("transfer-encoding", "").lower():
        for data in _chunked(reader):
            yield data
        return
    length = headers.get("content-length")
    if length is not None:
        remaining = int(length)
        while remaining > 0:
            data = reader.read1(min(remaining, 65536))
            if not data:
                raise HttpError("connection closed with %d body bytes missing" % remaining)
            remaining -= len(data)
            yield data
        return
    while True:
        data = reader.read1(65536)
        if not data:
            return
        yield data


def _chunked(reader):
    while True:
        line = _read_line(reader)
        if not line:
            raise HttpError("connection closed inside a chunked body")
        size_text = line.split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise HttpError("malformed chunk size %r" % size_text[:20])
        if size == 0:
            # Trailers, then the blank line that ends the body.
            while _read_line(reader) not in (b"\r\n", b"\n", b""):
                pass
            return
        remaining = size
        while remaining > 0:
            data = reader.read1(min(remaining, 65536))
            if not data:
                raise HttpError("connection closed inside a chunk")
            remaining -= len(data)
            yield data
        _read_line(reader)  # the CRLF after the chunk data
