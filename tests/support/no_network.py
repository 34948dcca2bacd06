"""Tests never reach outside this machine: connections and name lookups in the test
process are refused unless they stay on loopback, and every refusal is kept so that the
session fails naming it (a refused attempt may be swallowed by the code that made it).

Mock portals, PostgreSQL, Redis and the S3 server all listen on 127.0.0.1 or ::1;
fixture pages name real portals (www.gov.cn, share.baidu.com scripts), and nothing may
ever follow them. Child processes (``ogi crawl``) are kept on their portals by the
crawler's own offsite and address rules; Chromium by the browser tests' route guard."""

from __future__ import annotations

import errno
import ipaddress
import socket
from typing import Any

LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}
attempts: list[str] = []

_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex
_getaddrinfo = socket.getaddrinfo


def is_local_host(host: object) -> bool:
    """An address or name that cannot leave this machine."""
    if host is None or host == "":
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    name = str(host).strip("[]").split("%", 1)[0].lower()
    if name in LOCAL_NAMES:
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or address.is_unspecified or bool(mapped and mapped.is_loopback)


def _check(sock: socket.socket, address: Any) -> None:
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return  # Unix sockets, netlink: local by nature
    host = address[0] if isinstance(address, tuple) else address
    if not is_local_host(host):
        attempts.append(f"connect to {address!r}")
        raise OSError(errno.ENETUNREACH, f"tests must not reach outside hosts: {address!r}")


def _guarded_connect(self: socket.socket, address: Any) -> None:
    _check(self, address)
    return _connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    _check(self, address)
    return _connect_ex(self, address)


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if not is_local_host(host):
        attempts.append(f"name lookup of {host!r}")
        raise socket.gaierror(socket.EAI_NONAME, f"tests must not look up outside hosts: {host!r}")
    return _getaddrinfo(host, *args, **kwargs)


def install() -> None:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _guarded_getaddrinfo
