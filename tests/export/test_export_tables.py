"""`ogi export --format jsonl|csv|parquet`: the reports exactly as `ogi reports` lists them,
the statistics in long form, types as docs/data-dictionary.md says, filters, no overwrite."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from e2e_support import ogi

from ogi.export_schema import TABLES, arrow_schema, dictionary_markdown
from ogi.reports import CSV_FIELDS

pytestmark = pytest.mark.slow
ROOT = Path(__file__).parents[2]
KNOWN = ("自治区科技厅", 2018, "active.total", 2427)  # a seed report, checked by hand


def _stat_count(rows: list[dict]) -> int:
    return sum(len(r["stats"]) for r in rows)


def _known_value(rows: list[dict]) -> list[object]:
    agency, year, key, _ = KNOWN
    return [r["value"] for r in rows if (r["agency"], r["year"], r["key"]) == (agency, year, key)]


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_jsonl_reports_are_ogi_reports_and_stats_are_long(
    export: Callable[..., Path], reports_jsonl: list[dict], tmp_path: Path
) -> None:
    out = export(tmp_path / "x", "--format", "jsonl")
    assert _lines(out / "reports.jsonl") == reports_jsonl
    stats = _lines(out / "stats.jsonl")
    assert len(stats) == _stat_count(reports_jsonl) > 0
    assert _known_value(stats) == [KNOWN[3]]
    assert {tuple(s) for s in stats} == {tuple(c.name for c in TABLES["stats"])}
    ids = {r["capture_id"] for r in reports_jsonl}
    assert {s["capture_id"] for s in stats} <= ids
    known = next(s for s in stats if s["key"] == KNOWN[2] and s["agency"] == KNOWN[0])
    assert known["raw"] == "2427" and known["unit"] == "条" and known["position"] >= 1
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert [r["path"] for r in package["resources"]] == ["reports.jsonl", "stats.jsonl"]
    assert package["resources"][1]["rows"] == len(stats)
    _frictionless_valid(out)


def _frictionless_valid(out: Path) -> None:
    """The data dictionary (datapackage.json) describes the files: columns, types, hashes."""
    from frictionless import validate

    report = validate(str(out / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_csv_reads_in_csv_module_pandas_and_frictionless(
    export: Callable[..., Path], reports_jsonl: list[dict], tmp_path: Path
) -> None:
    out = export(tmp_path / "x", "--format", "csv")
    for table, expected in (("reports", len(reports_jsonl)), ("stats", _stat_count(reports_jsonl))):
        with open(out / f"{table}.csv", encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert list(rows[0]) == [c.name for c in TABLES[table]]
        assert len(rows) == expected
        frame = pd.read_csv(out / f"{table}.csv")
        assert len(frame) == expected and list(frame.columns) == list(rows[0])
    stats = pd.read_csv(out / "stats.csv")
    assert stats["value"].dtype == "float64" and stats["year"].dtype == "int64"
    agency, year, key, value = KNOWN
    hit = stats[(stats.agency == agency) & (stats.year == year) & (stats.key == key)]
    assert hit["value"].tolist() == [value]
    reports = pd.read_csv(out / "reports.csv")
    assert tuple(reports.columns[: len(CSV_FIELDS)]) == CSV_FIELDS  # `ogi reports --format csv`
    first = reports.iloc[0]
    assert json.loads(first["captures"])[0]["capture_id"] >= 1
    assert isinstance(json.loads(first["warnings"]), list)
    _frictionless_valid(out)
    stats_csv = out / "stats.csv"
    stats_csv.write_bytes(stats_csv.read_bytes().replace(b",2427,", b",2428,", 1))
    from frictionless import validate

    assert not validate(str(out / "datapackage.json")).valid  # the recorded hash catches it


def test_csv_bom_for_excel(export: Callable[..., Path], tmp_path: Path) -> None:
    out = export(tmp_path / "x", "--format", "csv", "--table", "reports", "--bom")
    raw = (out / "reports.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfagency,") and not (out / "stats.csv").exists()
    assert pd.read_csv(out / "reports.csv").columns[0] == "agency"
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert package["resources"][0]["encoding"] == "utf-8-sig"


def test_parquet_types_as_documented(
    export: Callable[..., Path], reports_jsonl: list[dict], tmp_path: Path
) -> None:
    out = export(tmp_path / "x", "--format", "parquet")
    stats = pq.read_table(out / "stats.parquet")
    assert stats.schema.equals(arrow_schema("stats"))
    assert stats.schema.field("year").type == pa.int64()
    assert stats.schema.field("value").type == pa.float64()
    assert stats.schema.field("fetched_at").type == pa.timestamp("us", tz="UTC")
    assert stats.num_rows == _stat_count(reports_jsonl)
    reports = pq.read_table(out / "reports.parquet")
    assert reports.schema.equals(arrow_schema("reports")) and reports.num_rows == len(reports_jsonl)
    assert reports.schema.field("published").type == pa.date32()

    frame = pd.read_parquet(out / "stats.parquet")
    assert str(frame["year"].dtype) == "int64" and str(frame["value"].dtype) == "float64"
    assert str(frame["capture_id"].dtype) == "int64"
    assert str(frame["fetched_at"].dtype) == "datetime64[us, UTC]"
    assert frame["value"].isna().any()  # blank cells stay null, never 0
    assert _known_value(frame.to_dict("records")) == [float(KNOWN[3])]
    rframe = pd.read_parquet(out / "reports.parquet")
    first = reports_jsonl[0]
    row = rframe[rframe.capture_id == first["capture_id"]].iloc[0]
    assert row["fetched_at"].isoformat().replace("+00:00", "Z") == first["fetched_at"]
    assert [m["capture_id"] for m in row["captures"]] == [
        m["capture_id"] for m in first["captures"]
    ]


@pytest.mark.parametrize(
    ("args", "want"),
    [
        (["--year", "2018"], lambda r: r["year"] == 2018),
        (["--agency", "科技厅"], lambda r: "科技厅" in r["agency"]),
        (["--report-format", "pre2019"], lambda r: r["format"] == "pre2019"),
        (["--portal", "seeds"], lambda r: True),
        (["--portal", "elsewhere"], lambda r: False),
    ],
)
def test_filters_like_ogi_reports(
    export: Callable[..., Path],
    reports_jsonl: list[dict],
    tmp_path: Path,
    args: list[str],
    want: Callable[[dict], bool],
) -> None:
    out = export(tmp_path / "x", "--format", "jsonl", *args)
    expected = [r for r in reports_jsonl if want(r)]
    assert _lines(out / "reports.jsonl") == expected
    stats = _lines(out / "stats.jsonl")
    assert len(stats) == _stat_count(expected)
    assert {s["capture_id"] for s in stats} == {r["capture_id"] for r in expected if r["stats"]}


def test_refuses_to_overwrite_and_bad_targets(
    export: Callable[..., Path], seeds_archive: Path, tmp_path: Path
) -> None:
    out = export(tmp_path / "x", "--format", "csv")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    again = ogi("export", "--archive", seeds_archive, "-f", "csv", "--out", out, check=False)
    assert again.returncode == 2
    assert b"exists; refusing to overwrite" in again.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # nothing touched

    as_file = ogi("export", "--archive", seeds_archive, "-f", "csv", "-o", tmp_path / "s.csv",
                  check=False)  # fmt: skip
    assert as_file.returncode == 2 and b"--out is a directory" in as_file.stderr
    assert not (tmp_path / "s.csv").exists()


def test_data_dictionary_document_matches_the_code() -> None:
    doc = (ROOT / "docs" / "data-dictionary.md").read_text(encoding="utf-8")
    assert dictionary_markdown() in doc


def test_a_failed_export_leaves_no_partial_files(
    export: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from ogi import export as exporter

    real = exporter.write_table

    def full_disk_on_stats(fmt: str, table: str, *args: object, **kw: object) -> int:
        if table == "stats":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fmt, table, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(exporter, "write_table", full_disk_on_stats)
    out = tmp_path / "x"
    with pytest.raises(OSError, match="No space"):
        export(out, "--format", "parquet")
    assert list(out.iterdir()) == []  # reports.parquet removed, no .part left
