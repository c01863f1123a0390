"""One POST to a department's endpoint, with the standard library only.

Bounded: a total time limit (connect, send, answer) enforced by a watchdog that shuts the
socket, not only a per-read timeout a slow receiver could stretch; only the first bytes of the
answer are read. No redirect is followed. Against SSRF, the host is resolved once, every
address it resolves to must be a public one (unless `DOUDI_OUTBOUND_ALLOW_PRIVATE`), and the
connection goes to the address that was checked, so a second lookup cannot swap it for an
internal one (DNS rebinding); TLS still verifies the certificate against the host name.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

EXCERPT_BYTES = 200


class Refused(ValueError):
    """A URL Doudi will not send to; the message is for the person who set it."""


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str
    excerpt: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def check_url(url: str, *, allow_private: bool) -> str:
    """The URL as it will be used, or `Refused`: http(s) only, a host, no user or password,
    and no address that is plainly internal (the full check resolves the name when sending)."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Refused(_("This is not a valid address.")) from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused(_("The address must start with http:// or https:// and name a host."))
    if parts.username or parts.password:
        raise Refused(_("Put no user name or password in the address."))
    if port == 0:
        raise Refused(_("This is not a valid address."))
    if not allow_private:
        host = parts.hostname.lower()
        if host == "localhost" or host.endswith(".localhost"):
            raise Refused(_("Addresses on this machine or an internal network are refused."))
        literal = _ip(host)
        if literal is not None and not _public(literal):
            raise Refused(_("Addresses on this machine or an internal network are refused."))
    return url


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def resolve(host: str, port: int, *, allow_private: bool) -> str:
    """The address to connect to: every address of the name must be public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Refused(_("The host name does not resolve.")) from exc
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise Refused(_("The host name does not resolve."))
    if not allow_private:
        for text in addresses:
            parsed = _ip(text.split("%", 1)[0])
            if parsed is None or not _public(parsed):
                raise Refused(_("Addresses on this machine or an internal network are refused."))
    return addresses[0]


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.address = address

    def connect(self) -> None:
        raw = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(raw, server_hostname=self.host)


def _abort(connection: http.client.HTTPConnection) -> None:
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def post(
    url: str, body: bytes, headers: dict[str, str], *, timeout: float, allow_private: bool
) -> Outcome:
    """POST `body`; never raises for what the network or the receiver does."""
    started = time.monotonic()

    def done(status: int | None, error: str, excerpt: str = "") -> Outcome:
        elapsed = int((time.monotonic() - started) * 1000)
        return Outcome(status, error[:300], excerpt, elapsed)

    try:
        check_url(url, allow_private=allow_private)
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = resolve(host, port, allow_private=allow_private)
    except Refused as exc:
        return done(None, str(exc))
    kind = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
    connection = kind(host, port, address=address, timeout=timeout)
    watchdog = threading.Timer(timeout, _abort, args=(connection,))
    watchdog.start()
    try:
        path = parts.path or "/"
        if parts.query:
            path = f"{path}?{parts.query}"
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        excerpt = _printable(response.read(EXCERPT_BYTES))
        return done(response.status, "", excerpt)
    except (OSError, http.client.HTTPException) as exc:
        if time.monotonic() - started >= timeout:
            return done(None, f"timed out after {timeout:g} s")
        return done(None, f"{type(exc).__name__}: {exc}")
    finally:
        watchdog.cancel()
        connection.close()


def _printable(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace")
    return "".join(ch if ch.isprintable() else " " for ch in text)[:EXCERPT_BYTES]
