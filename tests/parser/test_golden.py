"""Golden tests: expected values were typed by reading each seed, not copied from output.

Seeds 000 and 002 list every pre-2019 table row (``stats``); seed 001 lists every cell
of its 2019-format tables (``cells``); all five carry the metadata a reader would write
down, including the normalised agency, area, year vote, period and section headings.
"""

from __future__ import annotations

import json

import pytest
from golden_compare import CONTACT_FIELDS, META_FIELDS, cases, mismatches
from parser_testdata import GOLDEN, SEEDS, all_seeds

from parser import parse

SEED_CASES = [c for c in cases() if c.path.suffix == ".txt"]
IDS = [c.name for c in SEED_CASES]


@pytest.fixture(scope="module")
def parsed():
    return {c.name: c.parse() for c in SEED_CASES}


@pytest.mark.parametrize("case", SEED_CASES, ids=IDS)
@pytest.mark.parametrize("field", META_FIELDS)
def test_metadata(case, field, parsed):
    assert parsed[case.name][field] == case.golden["metadata"][field]


@pytest.mark.parametrize("case", SEED_CASES, ids=IDS)
@pytest.mark.parametrize("field", CONTACT_FIELDS)
def test_contact(case, field, parsed):
    assert parsed[case.name]["contact"][field] == case.golden["metadata"]["contact"][field]


@pytest.mark.parametrize("case", SEED_CASES, ids=IDS)
def test_section_headings(case, parsed):
    assert list(parsed[case.name]["sections"]) == case.golden["metadata"]["section_headings"]


@pytest.mark.parametrize("case", [c for c in SEED_CASES if "stats" in c.golden],
                         ids=lambda c: c.name)  # fmt: skip
def test_pre2019_rows(case, parsed):
    rows = [s for s in parsed[case.name]["stats"] if s["table"] == "pre2019"]
    expected = case.golden["stats"]
    assert [r["row"] for r in rows] == [e["row"] for e in expected]
    for row, exp in zip(rows, expected, strict=True):
        assert row == exp, exp["row"]


@pytest.mark.parametrize("case", [c for c in SEED_CASES if "cells" in c.golden],
                         ids=lambda c: c.name)  # fmt: skip
def test_every_cell(case, parsed):
    got = parsed[case.name]
    assert mismatches(case.golden, got) == []
    keyed = {s["key"] for s in got["stats"] if s["key"]}
    assert keyed == set(case.golden["cells"])
    unkeyed = [{"table": s["table"], "raw": s["raw"]} for s in got["stats"] if not s["key"]]
    assert unkeyed == case.golden["unkeyed"]


def test_seed001_blank_applicant_cells_are_null_not_zero(parsed):
    got = {s["key"]: s for s in parsed["001"]["stats"] if s["key"]}
    cell = got["applications.new_received.natural_person"]
    assert (cell["raw"], cell["value"]) == ("", None)
    assert got["applications.new_received.total"]["value"] == 0
    assert got["applications.carried_over.total"]["raw"] == "/"


def test_goldens_cover_all_seeds():
    assert {p.stem for p in GOLDEN.glob("*.json")} == {p.stem for p in SEEDS.glob("*.txt")}


def test_to_dict_is_json():
    for text in all_seeds().values():
        json.dumps(parse(text).to_dict(), ensure_ascii=False)
