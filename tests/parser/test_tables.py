"""Table parsing beyond the goldens: shapes, blanks, sum checks, 2019/2021 formats.

Expected numbers for 洪泽区 2023 (fixtures/, a 2021-format PDF as our extractor and as
pdftotext -layout render it) were read off the PDF's text, not the parser's output.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from parser_testdata import seed_text

from parser import parse
from parser.tables_pre2019 import parse_pre2019

FIXTURES = Path(__file__).resolve().parent / "fixtures"
HEADER = "统计指标\t单位\t统计数\n"


def by_key(report):
    return {s.key: s for s in report.stats if s.key}


def test_pre2019_fullwidth_digits_and_blank_marks():
    text = HEADER + "三、依申请公开情况\t——\t\n（一）收到申请数\t件\t１２\n1.当面申请数\t件\t—\n"
    stats, _ = parse_pre2019(text)
    got = {s.key: (s.value, s.raw) for s in stats if s.key}
    assert got == {"request.received": (12, "１２"), "request.in_person": (None, "—")}


def test_pre2019_spaced_rows_with_wrapped_label_and_unit_on_next_line():
    text = ("统 计 指 标  单位  统计数\n\n（三）从事政府信息公开工作人员数  人  3\n\n"
            "     1.专职人员数（不包括政府公报及政府网站工作人员\n\n数）  \n人  1\n"
            "     2.兼职人员数  人\n")  # fmt: skip
    stats, warnings = parse_pre2019(text)
    assert [(s.key, s.row, s.value) for s in stats] == [
        ("org.staff", "（三）从事政府信息公开工作人员数", 3),
        ("org.staff_fulltime", "1.专职人员数（不包括政府公报及政府网站工作人员数）", 1),
        ("org.staff_parttime", "2.兼职人员数", None),
    ]
    assert warnings == []  # a blank part: the sum is not checked


def test_pre2019_sum_warning_never_fixes():
    text = HEADER + "".join(f"{label}\t件\t{n}\n" for label, n in [
        ("（一）收到申请数", 5), ("1. 当面申请数", 1), ("2. 传真申请数", 0),
        ("3. 网络申请数", 2), ("4. 信函申请数", 1)])  # fmt: skip
    stats, warnings = parse_pre2019(text)
    assert stats[0].value == 5
    assert warnings == ["pre2019: request.received = 5 but its parts sum to 4"]


def test_seed000_has_no_sum_warnings():
    assert parse(seed_text("000")).warnings == ()


def test_seed001_2019_format():
    report = parse(seed_text("001"))
    got = by_key(report)
    assert report.format == "2019"
    assert got["active.art20_1.normative_docs.new_made"].value == 0
    assert got["active.art20_5.admin_licensing.prev_year_items"].raw == "/"
    assert got["active.art20_5.admin_licensing.prev_year_items"].value is None
    assert got["active.art20_8.admin_fees.change"].raw == "/"
    assert got["active.art20_9.central_procurement.purchase_amount"].value == 0
    # merged cells flattened: one value per row, in its last slot (总计); the applicant
    # columns are blank and stay null, with a note
    assert got["applications.new_received.total"].value == 0
    assert got["applications.carried_over.total"].raw == "/"
    assert got["applications.other_processing.total"].row == "(六)其他处理"
    assert got["applications.carried_forward.total"].value == 0
    assert got["applications.new_received.natural_person"].value is None
    assert len([k for k in got if k.startswith("applications.")]) == 23 * 7
    # 16 cells under a header that labels 15 columns: 15 keyed, the stray one unkeyed
    review = [s for s in report.stats if s.table == "review_litigation"]
    assert len(review) == 16 and all(s.value == 0 for s in review)
    assert [s.key for s in review].count(None) == 1 and review[-1].key is None
    assert any("header labels 15" in w for w in report.warnings)
    assert any("总计" in w and "null" in w for w in report.warnings)


HONGZE = {
    "active.art20_1.regulations.issued": 0,
    "active.art20_1.normative_docs.repealed": 5,
    "active.art20_1.normative_docs.in_force": 5,
    "active.art20_5.admin_licensing.decisions": 550,
    "active.art20_6.admin_penalty.decisions": 4119,
    "active.art20_6.admin_coercion.decisions": 195,
    "active.art20_8.admin_fees.fee_amount_wan_yuan": 7730.28,
    "applications.new_received.natural_person": 21,
    "applications.new_received.total": 21,
    "applications.partially_granted.natural_person": 4,
    "applications.denied.state_secret.total": 1,
    "applications.denied.other_law.total": 0,  # printed "2.其他法律行政止公开"
    "applications.denied.process_info.natural_person": 1,
    "applications.denied.enforcement_case.total": 1,
    "applications.unable.not_held.natural_person": 10,
    "applications.unable.need_creation.total": 3,
    "applications.unable.still_unclear.total": 0,
    "applications.not_processed.petition_complaint.total": 1,
    "applications.other_processing.total": 0,
    "applications.total_processed.natural_person": 21,
    "applications.carried_forward.total": 0,
    "review.admin_review.upheld": 10,
    "review.admin_review.corrected": 1,
    "review.admin_review.total": 0,
    "review.litigation_after_review.upheld": 5,
}


@pytest.mark.parametrize("shape", ["tab", "layout"])
def test_2021_format_both_text_shapes(shape):
    text = (FIXTURES / f"hongze_2023_2021format_{shape}.txt").read_text(encoding="utf-8")
    report = parse(text)
    got = by_key(report)
    assert (report.format, report.agency, report.year) == ("2021", "洪泽区人民政府", 2023)
    assert report.contact.phone == "0517-87222589" and report.contact.postcode == "223100"
    assert {k: got[k].value for k in HONGZE} == HONGZE
    assert len([k for k in got if k.startswith("applications.")]) == 23 * 7
    assert all(s.key for s in report.stats)
    # the printed review row does not add up: flagged, values kept as printed
    assert sorted(w for w in report.warnings if w.startswith("review")) == [
        "review_litigation: admin_review: 总计 = 0 but results sum to 11",
        "review_litigation: litigation_after_review: 总计 = 0 but results sum to 5",
    ]


def test_application_checks():
    rows = [("一、本年新收政府信息公开申请数量", [2, 0, 0, 0, 0, 0, 2]),
            ("二、上年结转政府信息公开申请数量", [0, 0, 0, 0, 0, 0, 0]),
            ("（一）予以公开", [1, 0, 0, 0, 0, 0, 2]),
            ("（七）总计", [1, 0, 0, 0, 0, 0, 2]),
            ("四、结转下年度继续办理", [0, 0, 0, 0, 0, 0, 1])]  # fmt: skip
    text = "本年新制作数量 本年新公开数量\n" + "".join(
        label + "\t" + "\t".join(map(str, values)) + "\n" for label, values in rows
    )
    warnings = parse("某县2019年政府信息公开工作年度报告\n" + text).warnings
    assert "applications: total: 一+二 = 2 but （七）+四 = 3" in warnings
    assert "applications: granted: 总计 = 2 but columns sum to 1" in warnings


def test_narrative_sentences():
    report = parse(seed_text("004"))
    got = by_key(report)
    assert got["narrative.active.total"].value == 92
    assert got["narrative.request.received"].value == 1
    assert got["narrative.request.received"].raw.startswith("2018年科知局共收到公众申请")
    assert parse(seed_text("003")).stats == ()
