"""The real 2021-format PDF (洪泽区 2023): real extractor on the real bytes, then parse.

Every expected cell in golden_samples/ was typed from page images (pdftoppm -r 200),
not from any text layer: the 10 第二十条 cells, the 23 printed rows x 7 columns of the
application matrix (its （六）其他处理 is one row, without the three 2021 sub-rows) and the
15 review/litigation cells.
"""

from __future__ import annotations

import pytest
from golden_compare import CONTACT_FIELDS, META_FIELDS, cases, mismatches

CASE = next(c for c in cases() if c.path.suffix == ".pdf")


@pytest.fixture(scope="module")
def got():
    return CASE.parse()


def test_every_cell_of_the_three_tables(got):
    assert [m for m in mismatches(CASE.golden, got) if "." in m.split(":")[0]
            and not m.startswith("contact")] == []  # fmt: skip
    keyed = {s["key"] for s in got["stats"] if s["key"]}
    assert keyed == set(CASE.golden["cells"])
    assert len([k for k in keyed if k.startswith("applications.")]) == 23 * 7
    assert all(s["key"] for s in got["stats"])


@pytest.mark.parametrize("field", META_FIELDS)
def test_metadata(got, field):
    assert got[field] == CASE.golden["metadata"][field]


@pytest.mark.parametrize("field", CONTACT_FIELDS)
def test_contact(got, field):
    assert got["contact"][field] == CASE.golden["metadata"]["contact"][field]


def test_sections_and_printed_inconsistencies_flagged_not_fixed(got):
    assert list(got["sections"]) == CASE.golden["metadata"]["section_headings"]
    assert got["sections"]["六、其他需要报告的事项"].endswith("信息处理费0 元。")
    review = [w for w in got["warnings"] if w.startswith("review")]
    assert review == CASE.golden["expected_warnings"]
    assert mismatches(CASE.golden, got) == []
