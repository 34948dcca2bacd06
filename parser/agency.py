"""Agency names: the printed form stays as it is, a normalised form and the area are added.

Researchers join reports across years and portals by agency, but the same bureau prints
itself as 科技局 one year and 科学技术局 the next, or drops its area ("自治区科技厅",
"县科技局") because the reader is assumed to know it. We expand the common short forms
and restore a dropped area only from words the document (or its page) itself prints.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .normalize import despace_cjk

# short form -> official full form (longest first when applied)
ABBREVIATIONS = (
    ("科技和知识产权局", "科学技术和知识产权局"),
    ("科知局", "科学技术和知识产权局"),
    ("科技局", "科学技术局"),
    ("科技厅", "科学技术厅"),
    ("科委", "科学技术委员会"),
    ("发改委", "发展和改革委员会"),
    ("发改局", "发展和改革局"),
    ("人社局", "人力资源和社会保障局"),
    ("人社厅", "人力资源和社会保障厅"),
    ("卫健委", "卫生健康委员会"),
    ("住建局", "住房和城乡建设局"),
    ("住建厅", "住房和城乡建设厅"),
    ("市场监管局", "市场监督管理局"),
    ("文旅局", "文化和旅游局"),
    ("交通局", "交通运输局"),
)
AUTONOMOUS_REGIONS = ("宁夏回族自治区", "广西壮族自治区", "内蒙古自治区", "新疆维吾尔自治区",
                      "西藏自治区")  # fmt: skip
_PLACE_SUFFIX = r"(?:特别行政区|自治区|自治州|自治县|自治旗|省|市|州|盟|县|区|旗)"
# a leading chain of place names: 淮安市洪泽区, 宁夏回族自治区, 隆德县
_PLACE_CHAIN_RE = re.compile(rf"^(?:[\u4e00-\u9fff]{{1,7}}?{_PLACE_SUFFIX}){{1,3}}")
# a bare level word standing for "our" area: 自治区科技厅, 县科技局, 市政府 (not 市场…)
_BARE_RE = re.compile(r"^(自治区|省|市|县|区|州|盟|旗)(?!场|级|属|直|委|民)")
_GOV_SHORT_RE = re.compile(rf"({_PLACE_SUFFIX})政府")


def expand(name: str) -> str:
    """Official long forms of common short forms (科技局 -> 科学技术局, 县政府 -> 县人民政府)."""
    out = name
    for short, full in ABBREVIATIONS:
        if short in out and full not in out:
            out = out.replace(short, full)
    return _GOV_SHORT_RE.sub(r"\1人民政府", out.replace("人民人民", "人民"))


def place_prefix(name: str) -> str | None:
    """The leading place names of an agency name ("攀枝花市科学技术局" -> "攀枝花市")."""
    if _BARE_RE.match(name):
        return None
    m = _PLACE_CHAIN_RE.match(name)
    return m.group(0) if m else None


def resolve_bare(level: str, rest: str, sources: Iterable[str], text: str) -> str | None:
    """The full name of a bare level word ("自治区" -> "宁夏回族自治区"), from the words the
    report prints: the signatory or page source naming the same agency first, then the
    one autonomous region (or one place of that level) the opening text names."""
    rest_full = expand(rest)
    for source in sources:
        place = place_prefix(source or "")
        if place and place.endswith(level) and expand(source[len(place) :]) == rest_full:
            return place
    head = despace_cjk(text[:3000])
    if level == "自治区":
        named = [r for r in AUTONOMOUS_REGIONS if r in head]
        return named[0] if named else None
    m = re.search(rf"([\u4e00-\u9fff]{{2,6}}?{level})(?:{re.escape(rest)}|{re.escape(rest_full)})",
                  head)  # fmt: skip
    return m.group(1) if m and not _BARE_RE.match(m.group(1)) else None


def normalize_agency(
    agency: str | None, sources: Iterable[str | None], text: str
) -> tuple[str | None, str | None]:
    """(agency_normalized, area) of a printed agency name; (None, None) without one.

    ``sources`` are other printed names of the publisher (signatory line, ContentSource)
    used to restore a dropped area; nothing is guessed beyond what the document says.
    """
    known = [despace_cjk(s) for s in sources if s]
    if not agency:
        agency = next(iter(known), None)
        if not agency:
            return None, None
    name = despace_cjk(agency).strip("《》“”\"'：: ")
    bare = _BARE_RE.match(name)
    if bare:
        level, rest = bare.group(1), name[bare.end() :]
        place = resolve_bare(level, rest, known, text)
        if place:
            return place + expand(rest), place
        return expand(name), None
    place = place_prefix(name)
    if place is None:
        for source in known:
            found = place_prefix(source)
            if found and expand(source[len(found) :]) == expand(name):
                return found + expand(name), found
    return expand(name), place
