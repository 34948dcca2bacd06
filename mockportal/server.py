"""A threaded HTTP server on 127.0.0.1 serving a mutable site, with an access log.

Tests change the site while it runs (a report revised, a page deleted) through
`/__control__/set`, `/__control__/delete` and read `/__control__/log`, or directly via
the Site object when the server runs in-process:

    POST /__control__/set     {"path": "/a.html", "body_text": "<html>…"}  (or "body_b64")
                              optional "status", "content_type", "headers": {"Location": …}
    POST /__control__/delete  {"path": "/a.html"}            → the page answers 404
    GET  /__control__/log     → ["/robots.txt", "/", …]       every path asked, in order
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

CONTROL = "/__control__/"


@dataclass
class Page:
    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class Site:
    """Path (with query) → Page; POST handlers by path (no query); everything else 404."""

    pages: dict[str, Page] = field(default_factory=dict)
    posts: dict[str, Callable[[str, bytes], Page]] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(
        self,
        path: str,
        body: bytes | str,
        content_type: str = "text/html; charset=utf-8",
        status: int = 200,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        """Serve ``body`` at ``path``; extra ``headers`` e.g. a Location for a redirect."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        with self.lock:
            self.pages[path] = Page(status, content_type, data, tuple(headers))

    def delete(self, path: str) -> None:
        with self.lock:
            self.pages.pop(path, None)

    def get(self, path: str) -> Page | None:
        with self.lock:
            self.log.append(path)
            return self.pages.get(path)

    def post(self, path: str, body: bytes) -> Page | None:
        """A form POST (Hanweb's dataproxy): the handler reads the query and the form."""
        with self.lock:
            handler = self.posts.get(urlsplit(path).path)
            if handler is None:
                return None
            self.log.append(path)
        return handler(path, body)


NOT_FOUND = Page(
    404, "text/html; charset=utf-8", "<html><body><h1>404 页面不存在</h1></body></html>".encode()
)


def handler_for(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            if self.path.startswith(CONTROL):
                self._control()
                return
            self._send(site.get(self.path) or NOT_FOUND)

        def do_POST(self) -> None:
            if self.path.startswith(CONTROL):
                self._control()
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            self._send(site.post(self.path, body) or site.get(self.path) or NOT_FOUND)

        def _control(self) -> None:
            action = urlsplit(self.path).path[len(CONTROL) :]
            length = int(self.headers.get("Content-Length") or 0)
            data = json.loads(self.rfile.read(length) or b"{}") if length else {}
            reply = control(site, action, data)
            self._send(Page(200, "application/json", json.dumps(reply).encode()))

        def _send(self, page: Page) -> None:
            self.send_response(page.status)
            self.send_header("Content-Type", page.content_type)
            self.send_header("Content-Length", str(len(page.body)))
            for name, value in page.headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(page.body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # the Site keeps its own log; stderr stays quiet in tests

    return Handler


def control(site: Site, action: str, data: dict) -> object:
    """Mutate or inspect the running site (JSON in, JSON out)."""
    if action == "log":
        with site.lock:
            return list(site.log)
    if action == "delete":
        site.delete(data["path"])
        return {"ok": True}
    if action == "set":
        body = base64.b64decode(data["body_b64"]) if "body_b64" in data else data["body_text"]
        site.add(
            data["path"],
            body,
            data.get("content_type", "text/html; charset=utf-8"),
            int(data.get("status", 200)),
            tuple((str(k), str(v)) for k, v in dict(data.get("headers") or {}).items()),
        )
        return {"ok": True}
    return {"error": f"unknown action {action}"}


@contextmanager
def serving(site: Site, port: int = 0) -> Iterator[str]:
    """Serve ``site`` on 127.0.0.1 in a background thread; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", port), handler_for(site))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
