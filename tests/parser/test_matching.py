"""Label matching: drifted labels still find their canonical keys, by text and position."""

from __future__ import annotations

from parser.matching import OrderedMatcher
from parser.tables_pre2019 import KeyMatcher


def keys(rows):
    matcher = KeyMatcher()
    return [matcher.match(label, unit) for label, unit in rows]


def test_brackets_numbering_and_spacing_drift():
    assert keys([
        ("一、主动公开情况", "——"),
        ("(一)主动公开政府信息数", "条"),  # ASCII brackets, note left out
        ("其中：主动公开行政规范性文件数", "条"),  # 行政规范性文件 vs 规范性文件
        ("制发规范性文件总数", "件"),
        ("（二）通过不同渠道和方式公开政府信息的情况", "——"),
        ("1、政府公报公开政府信息数", "条"),
        ("２．政府网站公开政府信息数", "条"),
    ]) == [None, "active.total", "active.normative_docs", "active.normative_issued", None,
           "active.channel.gazette", "active.channel.website"]  # fmt: skip


def test_same_label_in_two_sections_goes_by_section():
    assert keys([
        ("四、行政复议数量", "件"), ("（一）维持具体行政行为数", "件"),
        ("（二）被依法纠错数", "件"), ("（三）其他情形数", "件"),
        ("五、行政诉讼数量", "件"), ("（一）维持具体行政行为或者驳回原告诉讼请求数", "件"),
        ("（二）被依法纠错数", "件"), ("（三）其他情形数", "件"),
    ]) == ["review.total", "review.upheld", "review.corrected", "review.other",
           "litigation.total", "litigation.upheld", "litigation.corrected",
           "litigation.other"]  # fmt: skip


def test_wrapped_cell_that_lost_characters():
    assert keys([
        ("4.不同意公开答复数", "件"), ("其中：涉及国家秘密", "件"), ("涉及商业秘密", "件"),
        ("涉及个人隐私", "件"), ("危及国家安全、公共安全、经济安全和社", "件"),
    ])[-1] == "reply.denied.security_stability"  # fmt: skip


def test_reworded_meeting_row():
    assert keys([("九、政府信息公开会议和培训情况", "——"),
                 ("（一）召开政府信息与政务公开工作会议或专题会议数", "次")]) == [
        None, "meetings.count"]  # fmt: skip


def test_unknown_rows_get_no_key():
    assert keys([("三、依申请公开情况", "——"), ("（四）申请公开的主要内容", None),
                 ("主要侧重等几个方面", "——")]) == [None, None, None]  # fmt: skip


def test_each_official_row_is_used_once():
    matcher = OrderedMatcher(["1.属于国家秘密", "2.其他法律行政法规禁止公开"])
    assert matcher.match("1.属于国家秘密") == 0
    assert matcher.match("1.属于国家秘密") is None
    assert matcher.match("2.其他法律行政止公开") == 1  # lost 法规禁 in a wrapped PDF cell
