"""Webhook targets: URL rules at creation, and address checks at every delivery (SSRF).

At creation only the URL is checked (scheme, length, credentials, a literal IP address); names
are resolved at delivery time, every time, because DNS answers change. The delivery connects to
the very address that was checked, so a name that resolves to a public address for the check
and to 127.0.0.1 for the connection (DNS rebinding) cannot reach the inside.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

MAX_URL_LENGTH = 2000


class TargetRefusedError(ValueError):
    """The URL or the address it resolves to is not an allowed webhook target."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient  # a resolution failure: worth retrying


def private_targets_allowed() -> bool:
    return bool(settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS)


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    # is_global is False for loopback, private, link-local, shared (100.64/10), reserved and
    # unspecified addresses; multicast can be global, so it is refused on its own.
    return ip.is_global and not ip.is_multicast


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # the name as written in the URL (Host header, TLS SNI and certificate check)
    port: int
    path: str  # path and query


def parse_target(url: str) -> Target:
    """Check ``url``'s shape (the creation rules) and return its parts."""
    if not isinstance(url, str) or not url:
        raise TargetRefusedError("Must be an absolute URL.")
    if len(url) > MAX_URL_LENGTH:
        raise TargetRefusedError(f"At most {MAX_URL_LENGTH} characters.")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise TargetRefusedError("Must not contain whitespace or control characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRefusedError("Must be an absolute URL with a valid host and port.") from exc
    allowed = {"https", "http"} if private_targets_allowed() else {"https"}
    if parts.scheme not in allowed:
        raise TargetRefusedError(
            "Must be an https:// URL."
            if "http" not in allowed
            else "Must be an http:// or https:// URL."
        )
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise TargetRefusedError("Must not contain credentials.")
    host = parts.hostname or ""
    if not host:
        raise TargetRefusedError("Must be an absolute URL with a host.")
    if parts.fragment:
        raise TargetRefusedError("Must not contain a fragment.")
    if not private_targets_allowed():
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None and not is_public_address(str(literal)):
            raise TargetRefusedError("Private, loopback and reserved addresses are not allowed.")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, host, port or (443 if parts.scheme == "https" else 80), path)


def resolve_target(target: Target) -> str:
    """The address to connect to: resolved now, and checked unless private targets are
    allowed. Every address the name resolves to must be public (one bad answer refuses)."""
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise TargetRefusedError(f"Cannot resolve {target.host}: {exc}", transient=True) from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise TargetRefusedError(f"Cannot resolve {target.host}.", transient=True)
    if not private_targets_allowed():
        bad = [a for a in addresses if not is_public_address(a)]
        if bad:
            raise TargetRefusedError(
                f"{target.host} resolves to a private, loopback or reserved address ({bad[0]})."
            )
    return addresses[0]
