"""Which links lead to OGI annual reports, which lead to lists of them, which to drop.

Vocabulary only: no Scrapy here, so the rules are unit-tested on plain strings.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

ATTACHMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".ofd", ".zip")
# Column slugs of report lists; a bare "nb" (年报) only as a whole path segment.
REPORT_SLUGS = re.compile(
    r"(?:zfxxgknb|xxgknb|gknb|ndbg|xxgkndbg|zfxxgkndbg|/(?:\d{4})?nb(?:/|$|_))", re.I
)
REPORT_TEXT = re.compile(r"(?:政府)?信息公开.{0,12}(?:年度报告|年报|工作报告)|信息公开年报")
YEAR = re.compile(r"(?:19|20)\d{2}\s*年?")
LOOKALIKE = re.compile(
    r"法治政府|依法行政|政府工作报告|预算|决算|统计公报|国民经济和社会发展|工作总结|工作要点"
    r"|工作计划|审计|会议|培训|通知|征求意见|格式|模板|解读"
)
LIST_TEXT = re.compile(
    r"信息公开|政务公开|公开目录|公开年报|年度报告|年报|下一页|下页|尾页|末页|更多|>>|»|^\d{1,3}$"
)
LIST_URL = re.compile(
    r"(?:index_\d+\.s?html?|[?&](?:page|pageNo|pageIndex|pn)=\d+|/col/col\d+)", re.I
)
ARTICLE_URL = re.compile(
    r"(?:/t\d{8}_\d+\.s?html?$|/art/\d{4}/|/post_\d+\.html$|/info/\d+/\d+\.htm$|/\d{6,8}/\w+\.s?html?$)",
    re.I,
)
DISCLOSURE_URL = re.compile(r"(?:xxgk|zwgk|gkml|zfxxgk|xxgkml|public|openness)", re.I)


@dataclass(frozen=True)
class LinkDecision:
    kind: str  # "report" | "attachment" | "list" | "drop"
    reason: str

    @functools.cached_property
    def stat(self) -> str:
        """The stats key a link so decided is counted under (ogi/kept/… or ogi/dropped/…)."""
        return f"ogi/{'dropped' if self.kind == 'drop' else 'kept'}/{self.reason}"

    @property
    def priority(self) -> int:
        """Scheduler priority: reports first, then report columns, then other sections."""
        return {"report": 30, "attachment": 30, "list": 10}.get(self.kind, 0) - (
            5 if self.reason == "disclosure_section" else 0
        )


@functools.cache
def decided(kind: str, reason: str) -> LinkDecision:
    """The one LinkDecision of each (kind, reason): a handful exist, and sharing them
    lets each work out its stats key once."""
    return LinkDecision(kind, reason)


def is_attachment(url: str) -> bool:
    """A document URL by its extension, including PDF viewers' ?file=… parameters."""
    if not _may_be_attachment(url):
        return False
    parts = urlsplit(url)
    path = unquote(parts.path).lower()
    if path.endswith(ATTACHMENT_EXTENSIONS):
        return True
    for values in parse_qs(parts.query).values():
        if any(unquote(v).lower().endswith(ATTACHMENT_EXTENSIONS) for v in values):
            return True
    return False


def _may_be_attachment(url: str) -> bool:
    """False only where is_attachment is False: a URL with no query, no escapes and no
    characters urlsplit removes has its path at its end (before any fragment), so a
    path ending in an attachment extension makes the URL end in one too."""
    if "?" in url or "%" in url or "\t" in url or "\r" in url or "\n" in url:
        return True
    return url.split("#", 1)[0].lower().endswith(ATTACHMENT_EXTENSIONS)


def looks_like_report(text: str, url: str) -> bool:
    """A report names its year; a column called 政府信息公开年报 is a list of them."""
    text = _clean(text)
    if not YEAR.search(text) and "年度" not in text.replace("年度报告", ""):
        return False
    if REPORT_TEXT.search(text) and not _lookalike(text):
        return True
    in_report_column = bool(REPORT_SLUGS.search(urlsplit(url).path))
    return in_report_column and ("报告" in text or "年报" in text) and not _lookalike(text)


def _lookalike(text: str) -> bool:
    """Look-alikes name another kind of document; an OGI report may still say 工作报告."""
    hit = LOOKALIKE.search(text.replace("政府信息公开工作年度报告", ""))
    return hit is not None


def _clean(text: str) -> str:
    """The text without whitespace (str.split and re's \\s agree on what that is)."""
    return "".join(text.split()) if text else ""


@functools.lru_cache(maxsize=1 << 14)
def classify(anchor: str, url: str, *, on_report_page: bool) -> LinkDecision:
    """Decide what to do with one link found on a portal page (memoised: a portal's
    menus, sidebars and footers repeat the same links on every page)."""
    text = _clean(anchor)
    if is_attachment(url):
        return _classify_attachment(text, url, on_report_page)
    if looks_like_report(text, url):
        return decided("report", "report_link")
    if text and _lookalike(text) and (YEAR.search(text) or "报告" in text or len(text) > 12):
        return decided("drop", "lookalike")
    if ARTICLE_URL.search(urlsplit(url).path):
        return decided("drop", "offtopic_article")
    if LIST_TEXT.search(text) or LIST_URL.search(url) or REPORT_SLUGS.search(url):
        return decided("list", "list_link")
    if DISCLOSURE_URL.search(urlsplit(url).path) and not YEAR.search(text):
        return decided("list", "disclosure_section")
    return decided("drop", "offtopic")


def _classify_attachment(text: str, url: str, on_report_page: bool) -> LinkDecision:
    if on_report_page:
        return decided("attachment", "attachment_of_report")
    if looks_like_report(text, url) or looks_like_report(unquote(url), url):
        return decided("attachment", "report_attachment")
    if _lookalike(text):
        return decided("drop", "lookalike")
    return decided("drop", "attachment_offtopic")
