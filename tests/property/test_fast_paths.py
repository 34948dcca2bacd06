"""The spider's fast paths give the verdicts of the slow code they stand in for.

Each shortcut (concatenating joins, literal-first searches, skipping urlsplit) was written
for speed and justified by an argument in its docstring; these properties check the
argument on URLs and texts built from the characters that make such arguments fail
(dot segments, ``;``, ``?``, ``#``, ``%``, tabs and newlines, cased letters)."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from crawler import relevance, urls
from crawler.cms.base import CaselessLiteral, is_word_char
from crawler.cms.trs import SCRIPT_HINT, _has_hint
from crawler.links import extract_links, rooted_join

MANY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Pieces a portal URL is made of, and the ones that change how urljoin/urlsplit read it.
URL_PIECES = st.sampled_from(
    [
        "/", "a", "Z", "7", "xxgk", "nb", "年报", "%E5%B9%B4", ".", "..", "/./", "/../",
        ";", ";jsessionid=AB12", "?", "&", "=", "#", "#top", "\t", "\n", "\r", " ",
        "utm_source=x", "spm=1", "page=2", "file=", ".pdf", ".PDF", ".doc", ".html",
        "index_1.shtml", "//", ":", "@", "\\",
    ]
)  # fmt: skip
TAIL = st.lists(URL_PIECES, max_size=10).map("".join)
ORIGINS = st.sampled_from(
    [
        "http://127.0.0.1:8000/",
        "https://www.gov.cn/",
        "http://xxgk.example.gov.cn:8080/",
        "http://[::1]:9000/",
        "ftp://127.0.0.1/",  # not a web origin: rooted_join must decline
        "http://127.0.0.1/a/",  # not an origin: rooted_join must decline
    ]
)


@MANY
@given(ORIGINS, TAIL)
@example("http://127.0.0.1:8000/", "/a/../b")
@example("http://127.0.0.1:8000/", "/a;x=1?q")
@example("http://127.0.0.1:8000/", "/a?")
@example("http://127.0.0.1:8000/", "/a\tb")
def test_rooted_join_is_urljoin_or_declines(origin: str, tail: str) -> None:
    target = "/" + tail
    joined = rooted_join(origin, target)
    if joined is not None:
        assert joined == urljoin(origin, target).split("#", 1)[0]


def test_rooted_join_takes_the_common_case() -> None:
    """The shortcut must really be taken for plain article paths, or it buys nothing."""
    origin = "http://127.0.0.1:8000/"
    assert rooted_join(origin, "/xxgk/nb/t20240131_123.html#x") == (
        "http://127.0.0.1:8000/xxgk/nb/t20240131_123.html"
    )
    assert rooted_join(origin, "/list.jsp?page=2") == "http://127.0.0.1:8000/list.jsp?page=2"


LITERALS = st.sampled_from(
    ["xxgkAnnualReport.jsp", "countPage", "createPageHTML", "a.b", "_x9", "Ab", "年报"]
)
TEXT_PIECES = st.sampled_from(
    ["xxgk", "XXGK", "annualreport", "AnnualReport", ".jsp", ".JSP", "count", "PAGE", "Page",
     "create", "html", "HTML(", "a", "A", "b", ".", "_", "x", "X", "9", "年", "报", " ", "\n"]
)  # fmt: skip


@MANY
@given(LITERALS, st.lists(TEXT_PIECES, max_size=20).map("".join))
def test_caseless_literal_matches_re_ignorecase(literal: str, text: str) -> None:
    expected = re.search(re.escape(literal), text, re.I) is not None
    assert CaselessLiteral(literal).search(text) is expected


@MANY
@given(st.characters())
def test_is_word_char_is_re_word(char: str) -> None:
    assert is_word_char(char) is (re.match(r"\w", char) is not None)


SCRIPT_PIECES = st.sampled_from(
    ["P0", "p0", "W0", "w0", "Q0", "0", "1234567", "123456", "t", "T", "2024013", "20240131",
     "_", "_1", "_x", "/", "'", "\"", ".pdf", "document.write(", " "]
)  # fmt: skip


@MANY
@given(st.lists(SCRIPT_PIECES, max_size=16).map("".join))
@example("P0123456")
@example("T20240131_9")
@example("xt20240131_9")
def test_trs_hint_is_script_hint(script: str) -> None:
    assert _has_hint(script) is (SCRIPT_HINT.search(script) is not None)


def _http(tail: str) -> str:
    return "http://127.0.0.1:8000/" + tail


@MANY
@given(TAIL)
@example("a;jsessionid=1?b=2")
@example("a?utm_source=x#y")
@example("a#?utm_source=x")
@example("a?x=1\t&spm=2")
def test_clean_shortcut_gives_the_parsed_answer(tail: str) -> None:
    """clean() answers without urlsplit when _keeps_all says nothing would be removed."""
    url = _http(tail)
    if urls._keeps_all(url):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(urls, "_keeps_all", lambda _url: False)
            parsed = urls.clean(url)
        assert parsed == (url, set())


@MANY
@given(TAIL)
@example("a.pdf#x")
@example("a#.pdf")
@example("view?file=a.pdf")
@example("a%2Epdf")
@example("a.pd\tf")
def test_attachment_shortcut_gives_the_parsed_answer(tail: str) -> None:
    url = _http(tail)
    if not relevance._may_be_attachment(url):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(relevance, "_may_be_attachment", lambda _url: True)
            assert relevance.is_attachment(url) is False


def test_links_on_a_page_with_an_xml_declaration() -> None:
    """XHTML pages from old portal templates start with <?xml … encoding=…?>; lxml refuses
    such a declaration on a str, and the page's links must not be lost for it."""
    page = (
        '<?xml version="1.0" encoding="gb2312"?>\n'
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml"><body>'
        '<a href="/xxgk/nb/2023.html">2023年政府信息公开工作年度报告</a>'
        '<iframe src="frame.html"></iframe></body></html>'
    )
    links = list(extract_links(page, "http://127.0.0.1:8000/xxgk/"))
    assert links == [
        ("http://127.0.0.1:8000/xxgk/nb/2023.html", "2023年政府信息公开工作年度报告"),
        ("http://127.0.0.1:8000/xxgk/frame.html", ""),
    ]
