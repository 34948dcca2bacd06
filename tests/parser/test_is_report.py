"""is_report: annual OGI reports yes, their look-alikes no (conservative)."""

from __future__ import annotations

import pytest
from parser_testdata import all_seeds

from parser import parse

BODY = "本报告根据《中华人民共和国政府信息公开条例》要求编制。\n\n一、总体情况\n\n略。\n"


@pytest.mark.parametrize(
    "title",
    [
        "某某市科技局2020年政府信息公开工作年度报告",
        "某某县人民政府2019年度政府信息公开年报",
        "某某区教育局 2022 年政务信息公开工作年度报告",
    ],
)
def test_report_titles(title):
    assert parse(f"{title}\n\n{BODY}").is_report
    assert parse(BODY, title=f"{title}_某某市人民政府网").is_report


@pytest.mark.parametrize(
    "title",
    [
        "某某市2019年法治政府建设年度报告",
        "2020年某某市政府工作报告",
        "某某市科技局2021年部门预算",
        "某某市科技局2020年部门决算公开",
        "某某市2019年国民经济和社会发展统计公报",
        "关于做好2019年政府信息公开工作年度报告编制发布工作的通知",
        "图解：某某市2020年政府信息公开工作年度报告",
        "市科技局召开政务公开工作推进会",
    ],
)
def test_lookalike_titles(title):
    report = parse(f"{title}\n\n今年以来，我局认真开展各项工作。\n", title=title)
    assert not report.is_report
    assert report.stats == ()


def test_all_seeds_are_reports():
    assert all(parse(text).is_report for text in all_seeds().values())


def test_empty_and_junk_text_never_raise():
    for text in ("", "\n\n", "\x00\ufffd", "统计指标\t单位\t统计数\n\t\t\n" * 3):
        report = parse(text)
        assert isinstance(report.is_report, bool)
