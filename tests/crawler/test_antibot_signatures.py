"""Anti-bot signatures on the mock portal's block pages and on pages that must pass."""

from __future__ import annotations

import pytest

from crawler.antibot import signature
from mockportal.sites import antibot
from mockportal.sites.chrome import page

URL = "http://www.example.gov.example/xxgk/xxgknb/t20190320_1.html"


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [(*antibot.BLOCKS[p], s) for p, s in zip(antibot.BLOCKS, antibot.SIGNATURES, strict=True)],
)
def test_block_pages_recognised(status: int, body: str, expected: str) -> None:
    assert signature(status, body, URL) == expected


def test_ordinary_answers_pass() -> None:
    report = page(
        "2018年政府信息公开工作年度报告", "<p>" + "一、总体情况。" * 300 + "</p>", column="年报"
    )
    assert signature(200, report, URL) is None
    assert signature(404, "<html><body><h1>404 页面不存在</h1></body></html>", URL) is None
    assert signature(503, "<html><body>服务器繁忙</body></html>", URL) is None  # retried instead
    # a script redirect to a named page is a link to follow, not a block
    shell = '<html><script>window.location.href="/xxgk/index.shtml";</script></html>'
    assert signature(200, shell, URL) is None
    # a page with real text and a script is a page
    assert (
        signature(200, "<html><p>政府信息公开</p><script>location.href='x'</script></html>", URL)
        is None
    )


def test_bare_412_and_521_with_scripts() -> None:
    assert signature(412, "<html><script>" + "a" * 3000 + "</script></html>", URL) == "ruishu_412"
    assert signature(521, "<script>var x=1;</script>", URL) == "jsl_521"
    assert signature(412, "Precondition Failed", URL) is None
