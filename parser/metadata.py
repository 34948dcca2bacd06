"""Report metadata: title, agency, year, publication date, contact, format, is_report."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from . import dates
from .normalize import (
    ascii_digits,
    cn_number,
    collapse_ws,
    despace_cjk,
    halfwidth,
    normalize_dashes,
)
from .report import Contact
from .vocabulary import (
    APPLICATIONS_MARKER,
    CONTACT_LABELS,
    DATE_RE,
    DOC_NUMBER_RE,
    EMAIL_RE,
    FORMAT_MARKERS,
    LOOKALIKE_TITLE_RE,
    META_PUBDATE_KEYS,
    META_SOURCE_KEYS,
    META_TITLE_KEYS,
    PHONE_RE,
    POSTCODE_RE,
    REPORT_TITLE_RE,
    SIGNATURE_ORG_RE,
    STANDALONE_DATE_RE,
    STATS_HEADER,
    URL_RE,
    YEAR_RE,
)

_HEAD_LINES = 8
_TITLE_MAX = 70


def clean_line(line: str) -> str:
    """A line without Markdown decoration (#, **, >) and with collapsed spaces."""
    text = re.sub(r"^\s*(?:#+|>)\s*", "", ascii_digits(line))
    return collapse_ws(text.replace("**", ""))


def head_lines(text: str) -> list[str]:
    """The first non-empty lines, skipping page rules (---) and document numbers."""
    out = []
    for line in text.splitlines():
        cleaned = clean_line(line)
        if not cleaned or re.fullmatch(r"[-—_=*]{3,}", cleaned) or DOC_NUMBER_RE.match(cleaned):
            continue
        out.append(cleaned)
        if len(out) >= _HEAD_LINES:
            break
    return out


def text_title(text: str) -> str | None:
    """The printed headline: the first short line naming a report, with its wrapped or
    separately printed agency line joined on (seeds 002, 003)."""
    lines = head_lines(text)
    for i, line in enumerate(lines):
        if len(line) > _TITLE_MAX or not re.search(r"报告|年报", line):
            continue
        prev = lines[i - 1] if i else ""
        starts_with_year = bool(re.match(r"^\s*" + YEAR_RE.pattern, line))
        if prev and len(prev) <= _TITLE_MAX and (starts_with_year or not YEAR_RE.search(line)):
            line = prev + line
        return despace_cjk(line)
    return None


def meta_get(meta: Mapping[str, str] | None, keys: tuple[str, ...]) -> str | None:
    """First non-empty meta value among ``keys``."""
    for key in keys:
        value = (meta or {}).get(key)
        if value and value.strip():
            return value.strip()
    return None


def title_year(title: str | None) -> tuple[str | None, int | None]:
    """(agency prefix, year) of a title like "自治区科技厅2018年政府信息公开…"."""
    if not title:
        return None, None
    m = YEAR_RE.search(title)
    if not m:
        return None, None
    agency = despace_cjk(title[: m.start()]).strip('《》“”" ：:') or None
    return agency, _year(m.group(1))


def _year(text: str) -> int | None:
    value = cn_number(halfwidth(text))
    return value if value and 1990 <= value <= 2100 else None


def period_year(text: str) -> int | None:
    """The year of the 统计期限 sentence when it covers one calendar year."""
    period = dates.statistics_period(text)
    return period[0].year if period and period[0].year == period[1].year else None


def _date(m: re.Match[str]) -> date | None:
    year, month, day = _year(m.group(1)), cn_number(m.group(2)), cn_number(m.group(3))
    try:
        return date(year, month, day) if year and month and day else None
    except ValueError:
        return None


def signature(text: str) -> tuple[date | None, str | None]:
    """The 落款: a line holding only a date, preferably below an organisation line.

    Returns (date, organisation) — the first such pair, else the last lone date.
    """
    lines = [clean_line(line) for line in text.splitlines()]
    lines = [line for line in lines if line]
    lone: list[tuple[date, str | None]] = []
    for i, line in enumerate(lines):
        m = STANDALONE_DATE_RE.match(line)
        found = _date(m) if m else None
        if not found:
            continue
        prev = lines[i - 1] if i else ""
        org = prev if SIGNATURE_ORG_RE.match(prev) else None
        if org:
            return found, org
        lone.append((found, None))
    return lone[-1] if lone else (None, None)


def parse_loose_date(value: str) -> date | None:
    """A date from a meta value ("2019-03-27 10:00", "2019/3/27", "2019年3月27日")."""
    m = DATE_RE.search(value) or re.search(r"((?:19|20)\d{2})[-/.](\d{1,2})[-/.](\d{1,2})", value)
    return _date(m) if m else None


def url_date(url: str | None) -> date | None:
    """A date in the URL path (TRS t20190327_…, Hanweb /art/2019/3/27/); least reliable."""
    return dates.url_date(url)[0]


def _value_after(label_re: str, text: str) -> str | None:
    m = re.search(rf"(?:{label_re})\s*[:：]\s*([^；;，,。\n]*)", text)
    return m.group(1).strip() if m else None


def contact(text: str) -> Contact:
    """地址/邮编/电话/传真/电子邮箱/网址 from the opening paragraphs (first ~1500 chars,
    hard wraps undone)."""
    head = despace_cjk(ascii_digits(re.sub(r"\s*\n\s*", "", text[:2500])[:1500]))

    def field(name: str, pattern: re.Pattern[str]) -> str | None:
        raw = _value_after(CONTACT_LABELS[name], head)
        m = pattern.search(raw or "")
        return m.group(0) if m else None

    address = _value_after(CONTACT_LABELS["address"], head)
    address = despace_cjk(address.rstrip("）)")) if address else None
    if address and address.count("（") > address.count("）"):
        address += "）"
    phone = field("phone", PHONE_RE)
    fax = field("fax", PHONE_RE)
    email = EMAIL_RE.search(_value_after(CONTACT_LABELS["email"], head) or "")
    site = field("website", URL_RE) or _site_in_brackets(head)
    return Contact(
        address=address or None,
        phone=normalize_dashes(phone).replace(" ", "") if phone else None,
        fax=normalize_dashes(fax).replace(" ", "") if fax else None,
        email=email.group(0) if email else None,
        postcode=field("postcode", POSTCODE_RE),
        website=site,
    )


def _site_in_brackets(head: str) -> str | None:
    """A web address printed in brackets after 网站 ("门户网站（www.xqq.gov.cn）")."""
    m = re.search(r"网站\s*[（(<]+\s*<?\s*(" + URL_RE.pattern + r")", head)
    return m.group(1) if m else None


def detect_format(text: str) -> str | None:
    """The format ("2021", "2019", "pre2019") from the tables' own words; None if no tables."""
    flat = re.sub(r"\s+", "", text)
    for fmt in ("2021", "2019"):
        if sum(marker in flat for marker in FORMAT_MARKERS[fmt]) >= 2:
            return fmt
    if STATS_HEADER in flat:
        return "pre2019"
    if APPLICATIONS_MARKER in flat:
        return "2021" if "本年制发" in flat else "2019"
    return None


def looks_like_report(titles: list[str], text: str, has_tables: bool) -> bool:
    """Conservative: a report title (or opening) and no look-alike words in the title."""
    titles = [despace_cjk(ascii_digits(t)) for t in titles if t]
    if any(LOOKALIKE_TITLE_RE.search(t) for t in titles):
        return False
    if any(REPORT_TITLE_RE.search(t) for t in titles):
        return True
    opening = despace_cjk(" ".join(head_lines(text)[:3]))[:300]
    if REPORT_TITLE_RE.search(opening) and not LOOKALIKE_TITLE_RE.search(opening[:60]):
        return True
    return has_tables


def page_title(title: str | None, meta: Mapping[str, str] | None) -> str | None:
    """The page's own title (ArticleTitle meta, else <title> without a "_site" suffix)."""
    found = meta_get(meta, META_TITLE_KEYS)
    if found:
        return despace_cjk(found)
    if title:
        return despace_cjk(re.split(r"\s*[_|]\s*|\s+-\s+", title.strip())[0])
    return None


def meta_agency(meta: Mapping[str, str] | None) -> str | None:
    """ContentSource / 发布机构, spaces removed."""
    found = meta_get(meta, META_SOURCE_KEYS)
    return despace_cjk(found) if found else None


def meta_date(meta: Mapping[str, str] | None) -> date | None:
    """PubDate meta as a date."""
    found = meta_get(meta, META_PUBDATE_KEYS)
    return parse_loose_date(found) if found else None
