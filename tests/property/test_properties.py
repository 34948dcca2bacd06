"""Property-based tests (hypothesis) of the normalisers everything else leans on, and a
bounded fuzzing run of extraction and parsing: whatever the input, a result, never a crash."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import parser as report_parser
from archive.resources import canonical_url
from crawler.portals import host_port
from extract import decode_html, extract
from parser.normalize import halfwidth, normalize_label, parse_number

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
SEGMENT = st.text(
    alphabet=st.one_of(st.sampled_from(string.ascii_lowercase + string.digits), CJK),
    min_size=1,
    max_size=8,
)
PARAMS = st.lists(
    st.tuples(st.sampled_from("abcxyz"), st.text(string.ascii_letters, max_size=4)),
    max_size=4,
    unique_by=lambda kv: kv[0],
)
QUICK = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _url(segments: list[str], params: list[tuple[str, str]]) -> str:
    query = "&".join(f"{k}={v}" for k, v in params)
    return "http://127.0.0.1:8000/" + "/".join(segments) + (f"?{query}" if query else "")


@QUICK
@given(st.lists(SEGMENT, min_size=1, max_size=4), PARAMS, st.text(string.ascii_letters, max_size=5))
def test_canonical_urls_are_stable_and_ignore_order_and_fragments(
    segments, params, fragment
) -> None:  # type: ignore[no-untyped-def]
    url = _url(segments, params)
    canon = canonical_url(url)
    assert canonical_url(canon) == canon  # idempotent
    assert canonical_url(_url(segments, list(reversed(params)))) == canon
    assert canonical_url(f"{url}#{fragment}") == canon
    assert canon.isascii()  # Chinese paths percent-encoded


@QUICK
@given(st.sampled_from(["http", "https"]), st.integers(min_value=1, max_value=65535))
def test_host_port_fills_default_ports(scheme: str, port: int) -> None:
    default = {"http": 80, "https": 443}[scheme]
    assert host_port(f"{scheme}://Example.GOV.example/") == f"example.gov.example:{default}"
    assert host_port(f"{scheme}://example.gov.example:{port}/x") == f"example.gov.example:{port}"


@QUICK
@given(st.text(alphabet=st.one_of(CJK, st.sampled_from("，。、：（）0123456789 \n")), min_size=20))
def test_gbk_pages_labelled_gb2312_or_unlabelled_decode_exactly(text: str) -> None:
    page = f"<html><body><p>{text}</p></body></html>"
    body = page.encode("gb18030")
    assert decode_html(body, "gb2312")[0] == page
    assert decode_html(page.encode("utf-8"), None)[0] == page


@QUICK
@given(st.integers(min_value=-(10**9), max_value=10**9))
def test_numbers_parse_whatever_their_width_and_grouping(n: int) -> None:
    plain = str(n)
    fullwidth = plain.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
    assert parse_number(plain) == n
    assert parse_number(f" {plain} ") == n
    assert parse_number(fullwidth) == n
    assert parse_number(f"{n:,}") == n


@QUICK
@given(st.text(max_size=30))
def test_halfwidth_and_label_normalisation_are_idempotent(label: str) -> None:
    assert halfwidth(halfwidth(label)) == halfwidth(label)
    once = normalize_label(label)
    assert "\n" not in once and " " not in once


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_fuzz_parse_never_raises(text: str) -> None:
    report = report_parser.parse(text)
    assert isinstance(report.to_dict(), dict)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.binary(max_size=2000),
    st.sampled_from(
        [
            "text/html",
            "application/pdf",
            None,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ]
    ),
)
def test_fuzz_extract_never_raises(body: bytes, media_type: str | None) -> None:
    result = extract(body, media_type=media_type, url="http://127.0.0.1/x")
    assert result.text is not None or result.error is not None
