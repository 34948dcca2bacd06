"""Paths and page builders shared by the extract/ tests (imported by name, not via conftest)."""

from __future__ import annotations

import html
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "tests" / "fixtures" / "samples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED_000 = FIXTURES / "seed_000_nx_kjt_2018.txt"
HONGZE_PDF = SAMPLES / "hongze_2023_report_2021format.pdf"
# 喆 and 镕 are in GBK but not in GB2312: pages labelled gb2312 use them anyway.
GBK_ONLY_LINE = "经办人：李喆，审核人：张镕（联系电话：0951—5032404）"


def page_html(title: str, paragraphs: list[str], charset_meta: str | None) -> str:
    """A TRS-style article page around the given paragraphs."""
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset_meta}">'
    paras = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        f"<html><head>{meta if charset_meta else ''}<title>{html.escape(title)}</title>"
        '<meta name="SiteName" content="宁夏回族自治区科学技术厅">'
        f'<meta name="ArticleTitle" content="{html.escape(title)}"></head><body>'
        '<div class="nav"><a href="/">首页</a> &gt; <a href="/xxgk/">信息公开</a></div>'
        f'<div class="TRS_Editor">{paras}</div>'
        '<div class="footer">主办：宁夏回族自治区科学技术厅 网站标识码：6400000001</div>'
        "</body></html>"
    )


def table_html(rows: list[list[str]]) -> str:
    """Seed rows as an HTML table, with a colspan and a rowspan the way CMS editors merge."""
    out = ["<table border='1' cellspacing='0'>"]
    for i, row in enumerate(rows):
        label, unit, value = [*row, "", "", ""][:3]
        cells = [f"<td>{html.escape(label)}</td>"]
        if unit in {"——", "—"} and not value:
            cells.append(f"<td colspan='2'>{html.escape(unit)}</td>")
        elif label == "其中：涉及国家秘密":
            cells += [f"<td rowspan='3'>{unit}</td>", f"<td>{value}</td>"]
        elif i > 0 and rows[i - 1][0] in {"其中：涉及国家秘密", "涉及商业秘密"}:
            cells.append(f"<td>{value}</td>")
        else:
            cells += [f"<td>{html.escape(unit)}</td>", f"<td>{html.escape(value)}</td>"]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)
