"""The mock portal server: 127.0.0.1 only, mutable while running, with an access log."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from mockportal.server import Page, Site, serving

ROOT = Path(__file__).parents[2]


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, dict(err.headers), err.read()


def _control(base: str, action: str, payload: dict | None = None) -> object:
    data = json.dumps(payload).encode() if payload is not None else None
    with urllib.request.urlopen(f"{base}/__control__/{action}", data=data, timeout=10) as resp:
        return json.loads(resp.read())


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def test_serves_pages_and_404s_and_logs_every_path() -> None:
    site = Site()
    site.add("/a.html", "<p>甲</p>")
    with serving(site) as base:
        assert base.startswith("http://127.0.0.1:")
        status, headers, body = _get(f"{base}/a.html")
        assert (status, body.decode()) == (200, "<p>甲</p>")
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert _get(f"{base}/missing?x=1")[0] == 404
        assert _control(base, "log") == ["/a.html", "/missing?x=1"]


def test_control_changes_deletes_and_redirects_while_running() -> None:
    site = Site()
    site.add("/r.html", "v1")
    with serving(site) as base:
        _control(base, "set", {"path": "/r.html", "body_text": "v2"})
        assert _get(f"{base}/r.html")[2] == b"v2"
        _control(base, "set", {"path": "/b.pdf", "body_b64": "JVBERg==", "content_type": "x/y"})
        status, headers, body = _get(f"{base}/b.pdf")
        assert (status, headers["Content-Type"], body) == (200, "x/y", b"%PDF")
        _control(base, "delete", {"path": "/r.html"})
        assert _get(f"{base}/r.html")[0] == 404
        _control(
            base,
            "set",
            {"path": "/go", "status": 302, "body_text": "", "headers": {"Location": "/b.pdf"}},
        )
        opener = urllib.request.build_opener(NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as err:
            opener.open(f"{base}/go", timeout=10)
        err.value.close()
        assert err.value.code == 302 and err.value.headers["Location"] == "/b.pdf"
        assert _control(base, "nonsense") == {"error": "unknown action nonsense"}


def test_posts_go_to_their_handler() -> None:
    site = Site()
    site.posts["/proxy.jsp"] = lambda path, body: Page(200, "text/plain", body.upper())
    with serving(site) as base:
        req = urllib.request.Request(f"{base}/proxy.jsp?x=1", data=b"col=1", method="POST")
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.read() == b"COL=1"
        assert "/proxy.jsp?x=1" in _control(base, "log")  # type: ignore[operator]


def test_python_m_mockportal_prints_its_url_first() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "mockportal", "--site", "seeds", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        base = proc.stdout.readline().strip()
        assert base.startswith("http://127.0.0.1:")
        status, _, body = _get(f"{base}/robots.txt")
        assert status == 200 and b"Disallow: /admin/" in body
    finally:
        proc.terminate()
        returncode = proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()
    assert returncode == 0
