"""A threaded HTTP server on 127.0.0.1 serving a mutable site, with an access log.

Tests change the site while it runs (a report revised, a page deleted) through
`/__control__/set`, `/__control__/delete` and read `/__control__/log`, or directly via
the Site object when the server runs in-process:

    POST /__control__/set     {"path": "/a.html", "body_text": "<html>…"}  (or "body_b64")
                              optional "status", "content_type", "headers": {"Location": …}
    POST /__control__/delete  {"path": "/a.html"}            → the page answers 404
    GET  /__control__/log     → ["/robots.txt", "/", …]       every path asked, in order
    GET  /__control__/answers → [["/", 200], ["/a.html", 304], …]  what each got, in order

Every 200 GET answer carries an ETag (digest of the body) and a Last-Modified (when the
page was last set) and is answered 304 to a matching If-None-Match (or, without one,
an If-Modified-Since not older than the page), as real static servers do. ``routes``
answer paths no page is set for (calendars, endless parameters, flaky pages).
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

CONTROL = "/__control__/"


@dataclass
class Page:
    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()
    modified: float = field(default_factory=time.time)

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:20] + '"'

    def not_modified(self, if_none_match: str | None, if_modified_since: str | None) -> bool:
        """RFC 9110: If-None-Match decides when present; else If-Modified-Since."""
        if self.status != 200:
            return False
        if if_none_match is not None:
            return self.etag in {t.strip() for t in if_none_match.split(",")}
        if if_modified_since is None:
            return False
        try:
            since = parsedate_to_datetime(if_modified_since).timestamp()
        except (TypeError, ValueError):
            return False
        return int(self.modified) <= since


Route = Callable[[str], "Page | None"]


@dataclass
class Site:
    """Path (with query) → Page; POST handlers by path (no query); routes for paths no
    page is set for (tried in order); everything else 404."""

    pages: dict[str, Page] = field(default_factory=dict)
    posts: dict[str, Callable[[str, bytes], Page]] = field(default_factory=dict)
    routes: list[Route] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    answers: list[tuple[str, int]] = field(default_factory=list)
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
            page = self.pages.get(path)
        if page is None:
            for route in self.routes:
                page = route(path)
                if page is not None:
                    break
        return page

    def answered(self, path: str, status: int) -> None:
        with self.lock:
            self.answers.append((path, status))

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
            page = site.get(self.path) or NOT_FOUND
            if page.not_modified(
                self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
            ):
                self._send(Page(304, "", b"", (("ETag", page.etag),)), validators=False)
                return
            self._send(page)

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

        def _send(self, page: Page, *, validators: bool = True) -> None:
            if not self.path.startswith(CONTROL):
                site.answered(self.path, page.status)
            self.send_response(page.status)
            if page.content_type:
                self.send_header("Content-Type", page.content_type)
            self.send_header("Content-Length", str(len(page.body)))
            if validators and page.status == 200 and self.command == "GET":
                self.send_header("ETag", page.etag)
                self.send_header("Last-Modified", formatdate(page.modified, usegmt=True))
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
    if action == "answers":
        with site.lock:
            return [list(a) for a in site.answers]
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
