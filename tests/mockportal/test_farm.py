"""The generated portal farm the crawl benchmark runs on: hosts, structure, determinism."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import pytest

from crawler.cms import page_leads
from crawler.links import extract_links
from crawler.portals import load_portals
from crawler.relevance import classify
from mockportal.farm import STYLES, Farm, FarmPlan, farm, items_on, reachable, render


@pytest.fixture(scope="module")
def small() -> Farm:
    with farm(portals=6, pages=40, seed=3) as f:
        yield f


def _get(url: str, conn: http.client.HTTPConnection | None = None) -> tuple[int, str, bytes]:
    parts = urlsplit(url)
    own = conn is None
    conn = conn or http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
        resp = conn.getresponse()
        return resp.status, resp.getheader("Content-Type") or "", resp.read()
    finally:
        if own:
            conn.close()


def test_every_portal_has_its_own_loopback_host_and_a_loadable_portal_entry(small: Farm) -> None:
    portals = load_portals(small.portals_path)
    assert [p.name for p in portals] == [p.name for p in small.plan.portals]
    hosts = {urlsplit(p.start_urls[0]).hostname for p in portals}
    assert len(hosts) == 6 and "127.0.0.1" not in hosts
    assert all(h.startswith("127.") for h in hosts)
    assert all(p.allow_private for p in portals)
    assert {p.style for p in small.plan.portals} == set(STYLES)


def test_each_portal_has_the_requested_pages_and_reports_among_lookalikes(small: Farm) -> None:
    for plan in small.plan.portals:
        assert len(reachable(plan)) == 40
    expected = small.expected_urls
    assert len(expected) == 6 * 40
    reports = small.expected_reports
    assert set(reports) <= expected
    assert "attachment" in reports.values() and "page" in reports.values()
    assert small.lookalike_urls and not small.lookalike_urls & expected


def test_the_graph_is_what_the_pages_link_to_and_reports_look_like_reports(small: Farm) -> None:
    """Every edge of the crawl graph is a link on the page (or a TRS script pager), and the
    spider's rules keep the farm's reports and drop its look-alikes."""
    for url in sorted(small.expected_urls):
        status, ctype, body = _get(url)
        assert status == 200, url
        if not ctype.startswith("text/html"):
            assert body[:4] in (b"%PDF", b"PK\x03\x04")
            continue
        text = body.decode("gb18030" if "gb2312" in ctype else "utf-8")
        found = {u for u, _ in extract_links(text, url)}
        found |= {lead.url for _, lead in page_leads(url, text)}
        assert set(small.children(url)) <= found, url
    for plan in small.plan.portals:
        for item in plan.columns[0].items:
            decision = classify(item.title, small.base(plan) + item.path, on_report_page=False)
            assert (decision.kind == "report") == (item.kind == "report"), item.title


def test_pages_look_like_real_ones_and_unknown_paths_are_404(small: Farm) -> None:
    base = small.start_urls[0].rstrip("/")
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    status, ctype, body = _get(base + "/", conn)  # two requests on one kept-alive connection
    assert status == 200 and 15_000 < len(body) < 60_000
    assert "政府信息公开" in body.decode("utf-8")
    assert _get(base + "/no/such/page.html", conn)[0] == 404
    conn.close()
    assert _get(base + "/robots.txt")[2].startswith(b"User-agent")
    gbk = small.plan.portals[4]
    assert gbk.charset == "gb2312"
    status, ctype, body = _get(small.base(gbk) + "/")
    assert "gb2312" in ctype and "政府信息公开" in body.decode("gb18030")


def test_pages_are_deterministic_per_seed_and_made_on_demand() -> None:
    one, again, other = FarmPlan(3, 60, 1), FarmPlan(3, 60, 1), FarmPlan(3, 60, 2)
    for a, b in zip(one.portals, again.portals, strict=True):
        assert reachable(a) == reachable(b)
        for path in reachable(a)[:30]:
            assert render(a, path) == render(b, path)
    differs = [
        reachable(a) != reachable(b) for a, b in zip(one.portals, other.portals, strict=True)
    ]
    assert any(differs)
    plan = one.portals[2]
    news = items_on(plan, plan.columns[1], 2)[3]  # a news article never stored up front
    assert news.path not in plan.pages and render(plan, news.path)[0] == 200
    assert render(plan, news.path + "x")[0] == 404
