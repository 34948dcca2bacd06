"""Normalisers: full-width forms, spaces, brackets, numbering, labels, numbers."""

from __future__ import annotations

import pytest

from parser.normalize import (
    ascii_digits,
    cn_number,
    collapse_ws,
    despace_cjk,
    halfwidth,
    join_fragments,
    normalize_dashes,
    normalize_label,
    parse_number,
    split_numbering,
)


def test_halfwidth_digits_letters_brackets_space():
    assert halfwidth("２０１８年（一）ＡＢ：\u3000x") == "2018年(一)AB: x"


def test_ascii_digits_only():
    assert ascii_digits("２０１８　年（一）") == "2018 年（一）"


def test_collapse_ws():
    assert collapse_ws("  a\t\u3000 b \n c ") == "a b c"


def test_despace_cjk_keeps_ascii_word_gaps():
    assert despace_cjk("自治区科技厅 2018 年政府信息公开工作 年度报告") == (
        "自治区科技厅2018年政府信息公开工作年度报告"
    )
    assert despace_cjk("科技厅 OA 办公系统") == "科技厅 OA 办公系统"


def test_join_fragments():
    assert (
        join_fragments(["危及国家安全、经济安全和社会 ", " 稳定"])
        == "危及国家安全、经济安全和社会稳定"
    )
    assert join_fragments(["OA", "system"]) == "OA system"


def test_normalize_dashes():
    assert normalize_dashes("0951—5032404") == "0951-5032404"
    assert normalize_dashes("0951－5032404") == "0951-5032404"


@pytest.mark.parametrize(
    ("label", "number", "rest"),
    [
        ("一、主动公开情况", "一", "主动公开情况"),
        ("（一）收到申请数", "(一)", "收到申请数"),
        ("(三) 不予公开", "(三)", "不予公开"),
        ("1. 政府公报公开政府信息数", "1", "政府公报公开政府信息数"),
        ("2、传真申请数", "2", "传真申请数"),
        ("１．当面申请数", "1", "当面申请数"),
        ("其中：涉及国家秘密", "其中", "涉及国家秘密"),
        ("制发规范性文件总数", "", "制发规范性文件总数"),
        ("2018年度报告", "", "2018年度报告"),
    ],
)
def test_split_numbering(label, number, rest):
    assert split_numbering(label) == (number, rest)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("（一）主动公开政府信息数 （不同渠道和方式公开相同信息计 1 条）",
         "(一)主动公开政府信息数(不同渠道和方式公开相同信息计1条)"),
        ("其中：主动公开行政规范性文件数", "其中:主动公开规范性文件数"),
        ("四、结转下一年度继续办理", "四、结转下年度继续办理"),
        ("1．政府网站公开政府信息数", "2. 政府网站公开政府信息数"),
        ("3.危及“三安全一稳定”", "3.危及\"三安全一稳定\""),
    ],
)  # fmt: skip
def test_normalize_label_equates_drift(a, b):
    assert normalize_label(a) == normalize_label(b)


@pytest.mark.parametrize(
    ("raw", "value"),
    [("2427", 2427), ("0.7", 0.7), ("１２", 12), (" 1,234 ", 1234), ("-3", -3), ("+2", 2),
     ("", None), ("—", None), ("——", None), ("/", None), ("无", None), ("96%", None),
     ("abc", None)],
)  # fmt: skip
def test_parse_number(raw, value):
    got = parse_number(raw)
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize(
    ("text", "value"),
    [("三", 3), ("十", 10), ("十二", 12), ("二十", 20), ("二十七", 27), ("二〇一九", 2019),
     ("12", 12), ("", None), ("甲", None)],
)  # fmt: skip
def test_cn_number(text, value):
    assert cn_number(text) == value
