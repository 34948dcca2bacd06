"""Run the workbench with uvicorn: read-only archive, loopback by default."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import uvicorn

from archive import Archive
from web.app import create_app
from web.data import Workbench

DEFAULT_HOST = "127.0.0.1"


def serve(
    arc: Archive,
    *,
    host: str,
    port: int,
    parser: str,
    parser_version: str | None,
    configured: list[tuple[str, str]],
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve until interrupted; ``on_ready`` gets the base URL once the socket listens
    (port 0 picks a free port, so a caller can learn where it went)."""
    bench = Workbench(arc, parser=parser, parser_version=parser_version, configured=configured)
    bench.index()  # build the report index before the first request
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # accepted sockets inherit it; without it Nagle + delayed ACKs add ~40 ms per response
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(128)  # connections queue from now on, before uvicorn starts accepting
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    config = uvicorn.Config(
        create_app(bench), log_level="warning", access_log=False, server_header=False
    )
    server = uvicorn.Server(config)
    if on_ready is not None:
        on_ready(f"http://{shown}:{bound}/")
    server.run(sockets=[sock])


def portal_agencies(portals_file: Path | None) -> list[tuple[str, str]]:
    """(name, agency) of every configured portal, for the coverage grid's empty rows."""
    if portals_file is None or not portals_file.exists():
        return []
    from crawler.portals import load_portals

    return [(p.name, p.agency or p.name) for p in load_portals(portals_file)]
