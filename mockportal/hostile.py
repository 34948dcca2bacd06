"""A hostile portal on 127.0.0.1: what a broken or malicious government server can send.

Its home page links (with report-like anchors, so the crawler wants them) to:

    /xxgk/zfxxgknb/bomb.html        a gzip bomb: 64 MiB of zeros in ~64 KiB, Content-Encoding
    /xxgk/zfxxgknb/huge.html        a 1 GiB body announced by Content-Length, made on the fly
    /xxgk/zfxxgknb/endless.html     a 1 GiB body with no length (ends when the client goes)
    /xxgk/zfxxgknb/trickle.html     one byte per second
    /xxgk/zfxxgknb/loop/0.html      a redirect chain that never ends
    /xxgk/zfxxgknb/malformed.html   broken markup, NUL bytes, 3000 unclosed tags (links a
                                    real report, which must still be found)
    /xxgk/zfxxgknb/wrong-*.html     a UTF-8 page labelled gb2312, a GBK page labelled utf-8,
                                    a page mixing both
    control characters in URLs, file:///etc/passwd, other schemes, and 127.0.0.1 admin
    ports (a second listener, ``admin``, logs whatever reaches it: nothing must)

Bodies are never held whole in memory: big ones are generated chunk by chunk.
``python -m mockportal.hostile`` prints the base URL and serves until killed.
"""

from __future__ import annotations

import gzip
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from mockportal.render import html_content
from mockportal.sites.chrome import article, page
from mockportal.sites.seeds import seed_text

LIST = "/xxgk/zfxxgknb/"
GIB = 1 << 30
CHUNK = b"\0" * (1 << 16)
OK_REPORT = f"{LIST}202003/t20200301_900.html"
OK_TITLE = "示例县水利局2019年政府信息公开工作年度报告"


@dataclass
class Hits:
    """What each listener was asked, in order."""

    paths: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, path: str) -> None:
        with self.lock:
            self.paths.append(path)

    def snapshot(self) -> list[str]:
        with self.lock:
            return list(self.paths)


def _bomb() -> bytes:
    return gzip.compress(b"\0" * (64 << 20), compresslevel=9)


def home(admin_port: int) -> str:
    year = "政府信息公开工作年度报告"
    links = [
        (f"{LIST}bomb.html", f"2019年{year}（压缩）", ""),
        (f"{LIST}huge.html", f"2018年{year}（全文）", ""),
        (f"{LIST}endless.html", f"2017年{year}（无长度）", ""),
        (f"{LIST}trickle.html", f"2016年{year}（慢）", ""),
        (f"{LIST}loop/0.html", f"2015年{year}（跳转）", ""),
        (f"{LIST}malformed.html", "政府信息公开年报", ""),
        (f"{LIST}wrong-utf8.html", f"2014年{year}（编码一）", ""),
        (f"{LIST}wrong-gbk.html", f"2013年{year}（编码二）", ""),
        (f"{LIST}mixed.html", f"2012年{year}（编码三）", ""),
        (f"{LIST}a%00b.html", f"2011年{year}（空字节）", ""),
        (f"{LIST}%0d%0aSet-Cookie:x=1.html", f"2010年{year}（换行）", ""),
        (f"http://127.0.0.1:{admin_port}/admin/", f"2019年{year}（后台）", ""),
        ("http://127.0.0.1:9/admin/", f"2018年{year}（端口）", ""),
        ("file:///etc/passwd", f"2017年{year}（文件）", ""),
        ("ftp://127.0.0.1/pub/report.pdf", f"2016年{year}.pdf", ""),
    ]
    items = "".join(f'<li><a href="{h}">{a}</a></li>' for h, a, _ in links)
    raw = f'<li><a href="{LIST}x\x01y.html">2009年{year}（控制符）</a></li>'
    return page("首页", f'<ul class="list">{items}{raw}</ul>', column="首页")


def malformed() -> bytes:
    """Broken in every way lxml must survive; it still links one real report."""
    nested = "<div><span><table><tr><td>" * 3000
    return (
        "<html><head><title>年报</title><meta charset=utf-8>"
        f"<body><p>栏目<b><i>未闭合 &#xFFFFFFFF; &bogus; <a href='{OK_REPORT}'>{OK_TITLE}"
        f"</p></b>{nested}\0\0<script>document.write('<a href=\"/x\">')</script>"
        "</td></tr></table><<<>>></html></html>"
    ).encode()


def charset_pages() -> dict[str, tuple[bytes, str]]:
    text = "<p>本栏目内容正在整理中，敬请关注。</p>"
    body = page("通知公告", text, column="通知公告")
    gbk = body.encode("gb18030")
    return {
        f"{LIST}wrong-utf8.html": (
            body.replace("charset=utf-8", "charset=gb2312").encode(),
            "text/html; charset=gb2312",
        ),
        f"{LIST}wrong-gbk.html": (gbk, "text/html; charset=utf-8"),
        f"{LIST}mixed.html": (
            body[: len(body) // 2].encode() + body[len(body) // 2 :].encode("gb18030"),
            "text/html; charset=utf-8",
        ),
    }


class HostileHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: HostileServer

    def do_GET(self) -> None:
        srv = self.server
        srv.hits.add(self.path)
        path = self.path.split("?", 1)[0]
        if path == "/robots.txt":
            return self._send(b"User-agent: *\nAllow: /\n", "text/plain")
        if path == "/":
            return self._send(home(srv.admin_port).encode(), "text/html; charset=utf-8")
        if path == f"{LIST}bomb.html":
            return self._send(srv.bomb, "text/html; charset=utf-8", [("Content-Encoding", "gzip")])
        if path == f"{LIST}huge.html":
            return self._stream(GIB, announce=True)
        if path == f"{LIST}endless.html":
            return self._stream(GIB, announce=False)
        if path == f"{LIST}trickle.html":
            return self._trickle()
        if path.startswith(f"{LIST}loop/"):
            n = int(path.rsplit("/", 1)[1].split(".")[0] or 0)
            return self._send(b"", "text/html", [("Location", f"{LIST}loop/{n + 1}.html")], 302)
        if path == f"{LIST}malformed.html":
            return self._send(malformed(), "text/html; charset=utf-8")
        if path in srv.charsets:
            body, content_type = srv.charsets[path]
            return self._send(body, content_type)
        if path == OK_REPORT:
            html = article(
                OK_TITLE,
                html_content(seed_text("001")),
                pub_date="2020-03-01",
                source="示例县水利局",
                column="政府信息公开年报",
            )
            return self._send(html.encode(), "text/html; charset=utf-8")
        self._send(page("404", "<h1>404 页面不存在</h1>", column="").encode(), "text/html", [], 404)

    def _send(
        self,
        body: bytes,
        content_type: str,
        headers: list[tuple[str, str]] | None = None,
        status: int = 200,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers or []:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _stream(self, size: int, *, announce: bool) -> None:
        """``size`` zero bytes, 64 KiB at a time, until done or the client hangs up."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if announce:
            self.send_header("Content-Length", str(size))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        sent = 0
        try:
            while sent < size:
                self.wfile.write(CHUNK)
                sent += len(CHUNK)
        except OSError:
            return  # the crawler gave up: what we want

    def _trickle(self) -> None:
        body = b"<html><body>" + b"x" * 1000 + b"</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            for i in range(len(body)):
                self.wfile.write(body[i : i + 1])
                self.wfile.flush()
                if self.server.stopping.wait(1.0):
                    return
        except OSError:
            return

    def log_message(self, format: str, *args: object) -> None:
        pass


class AdminHandler(BaseHTTPRequestHandler):
    """A 127.0.0.1 'admin' port next to the portal: any request reaching it is a leak."""

    server: HostileServer

    def do_GET(self) -> None:
        self.server.hits.add(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    do_POST = do_GET

    def log_message(self, format: str, *args: object) -> None:
        pass


class HostileServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler], admin_port: int = 0) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.hits = Hits()
        self.admin_port = admin_port
        self.stopping = threading.Event()
        self.bomb = _bomb() if handler is HostileHandler else b""
        self.charsets = charset_pages()


@dataclass(frozen=True)
class Running:
    base: str
    portal: HostileServer
    admin: HostileServer


@contextmanager
def serving_hostile() -> Iterator[Running]:
    """The hostile portal and its admin neighbour, each on a free 127.0.0.1 port."""
    admin = HostileServer(AdminHandler)
    portal = HostileServer(HostileHandler, admin_port=admin.server_address[1])
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in (admin, portal)]
    for t in threads:
        t.start()
    try:
        yield Running(f"http://127.0.0.1:{portal.server_address[1]}", portal, admin)
    finally:
        for s in (portal, admin):
            s.stopping.set()
            s.shutdown()
            s.server_close()


def main() -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with serving_hostile() as running:
        print(running.base, flush=True)
        while not stop.wait(0.5):
            time.sleep(0)


if __name__ == "__main__":
    main()
