"""The portal list (TOML): which government sites to crawl, and where they start."""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import json
import re
import tomllib
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


class PortalFileError(Exception):
    """A portal list that cannot be used; the message names the file and the problem."""

    reason = "portal_file_error"


@dataclass(frozen=True)
class Portal:
    name: str
    agency: str
    start_urls: tuple[str, ...]
    allowed_hosts: frozenset[str] = field(default_factory=frozenset)  # "host:port"
    max_depth: int | None = None
    max_pages: int | None = None
    allow_private: bool = False

    def with_start_urls(self, urls: list[str]) -> Portal:
        hosts = self.allowed_hosts | {host_port(u) for u in urls}
        return replace(self, start_urls=tuple(urls), allowed_hosts=frozenset(hosts))

    def allows(self, url: str) -> bool:
        return host_port(url) in self.allowed_hosts


# Scheme and authority, as urlsplit finds them: "scheme:" then "//" then up to / ? or #.
AUTHORITY = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*")


def host_port(url: str) -> str:
    """'host:port' with the scheme's default port filled in, lower-case (memoised by
    scheme and authority: the spider asks for every new link of every page, and a
    portal's links share a handful of hosts)."""
    prefix = AUTHORITY.match(url)
    return _host_port(prefix.group() if prefix else url)


@functools.lru_cache(maxsize=1 << 12)
def _host_port(url: str) -> str:
    """host_port of a URL or of its scheme-and-authority prefix: the same answer, since
    urlsplit reads scheme, host and port from that prefix alone (and raises the same
    ValueError for a bad port)."""
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme, 0)
    return f"{(parts.hostname or '').lower()}:{port}"


def _allowed(entry: str, schemes_ports: set[int]) -> set[str]:
    """An allowed_domains entry: 'host' (any of the start URLs' ports) or 'host:port'."""
    host, sep, port = entry.strip().lower().rpartition(":")
    if sep and port.isdigit():
        return {f"{host}:{port}"}
    return {f"{entry.strip().lower()}:{p}" for p in schemes_ports or {80, 443}}


def load_portals(path: str | Path) -> list[Portal]:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PortalFileError(f"{path}: portal list not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PortalFileError(f"{path}: cannot read the portal list: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise PortalFileError(f"{path}: not valid TOML: {exc}") from exc
    entries = data.get("portal")
    if not isinstance(entries, list) or not entries:
        raise PortalFileError(f"{path}: no [[portal]] entries")
    portals = [_portal(path, i, e) for i, e in enumerate(entries, 1)]
    _no_duplicates(path, portals)
    return portals


KEYS = {
    "name",
    "agency",
    "start_urls",
    "allowed_domains",
    "max_depth",
    "max_pages",
    "allow_private",
}
# Names end up in stats keys (ogi/portal/<name>/pages) and file names: no '/' or spaces.
NAME = re.compile(r"^[\w.:-]+$")
HOST_ENTRY = re.compile(r"^[a-z0-9\u0080-\uffff.-]+(?::\d{1,5})?$|^\[[0-9a-f:.]+\](?::\d{1,5})?$")


def _portal(path: Path, index: int, entry: Any) -> Portal:
    where = f"{path}: portal #{index}"
    if not isinstance(entry, dict):
        raise PortalFileError(f"{where}: must be a table")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise PortalFileError(f"{where}: missing 'name'")
    if not NAME.match(name.strip()):
        raise PortalFileError(f"{where}: name {name!r} may hold letters, digits and . _ : - only")
    where = f"{path}: portal #{index} {name!r}"
    unknown = sorted(set(entry) - KEYS)
    if unknown:
        raise PortalFileError(
            f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(KEYS))})"
        )
    agency = entry.get("agency")
    if not isinstance(agency, str) or not agency.strip():
        raise PortalFileError(f"{where}: missing 'agency'")
    urls = _start_urls(where, entry.get("start_urls"))
    ports = {int(host_port(u).rsplit(":", 1)[1]) for u in urls}
    hosts = {host_port(u) for u in urls}
    for allowed in _list_of_str(where, entry, "allowed_domains"):
        if not HOST_ENTRY.match(allowed.strip().lower()):
            raise PortalFileError(f"{where}: allowed_domains entry {allowed!r} is not host[:port]")
        hosts |= _allowed(allowed, ports)
    allow_private = entry.get("allow_private", False)
    if not isinstance(allow_private, bool):
        raise PortalFileError(f"{where}: 'allow_private' must be true or false")
    return Portal(
        name=name.strip(),
        agency=agency.strip(),
        start_urls=tuple(urls),
        allowed_hosts=frozenset(hosts),
        max_depth=_int(where, entry, "max_depth"),
        max_pages=_int(where, entry, "max_pages"),
        allow_private=allow_private,
    )


def _start_urls(where: str, urls: Any) -> list[str]:
    if not isinstance(urls, list) or not urls or not all(isinstance(u, str) for u in urls):
        raise PortalFileError(f"{where}: 'start_urls' must be a non-empty list of URLs")
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or url != url.strip():
            raise PortalFileError(f"{where}: start URL {url!r} is not an http(s) URL")
        try:
            parts.port  # noqa: B018 - raises on a malformed port
        except ValueError:
            raise PortalFileError(f"{where}: start URL {url!r} has a bad port") from None
    return urls


def _list_of_str(where: str, entry: dict[str, Any], key: str) -> list[str]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PortalFileError(f"{where}: {key!r} must be a list of strings")
    return value


def _int(where: str, entry: dict[str, Any], key: str) -> int | None:
    value = entry.get(key)
    ok = value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0)
    if not ok:
        raise PortalFileError(f"{where}: {key!r} must be a non-negative integer")
    return value


def _no_duplicates(path: Path, portals: list[Portal]) -> None:
    seen: set[str] = set()
    for portal in portals:
        if portal.name in seen:
            raise PortalFileError(f"{path}: portal name {portal.name!r} appears twice")
        seen.add(portal.name)


def adhoc_portal(url: str) -> Portal:
    """A one-off portal for `ogi crawl --start-url URL` (loopback allowed only for loopback)."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise PortalFileError(f"--start-url {url!r} is not an http(s) URL")
    host = urlsplit(url).hostname or "adhoc"
    return Portal(
        name=host,
        agency="",
        start_urls=(url,),
        allowed_hosts=frozenset({host_port(url)}),
        allow_private=_is_loopback(host),
    )


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def portals_digest(portals: list[Portal]) -> str:
    """SHA-256 of the portal list's content, for the crawl run's provenance."""
    canon = [{**asdict(p), "allowed_hosts": sorted(p.allowed_hosts)} for p in portals]
    return hashlib.sha256(
        json.dumps(canon, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()
