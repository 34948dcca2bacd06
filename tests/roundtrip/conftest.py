"""Session fixture: every seed rendered to HTML, DOCX and PDF in a temporary directory,
taken through the real extractors and the parser (about 5 s, so no binary fixtures)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "parser"))

from golden_compare import Case, cases

from extract import extract
from mockportal.render import to_docx, to_html, to_pdf
from parser import parse

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
RENDERERS = {"html": (to_html, "text/html"), "docx": (to_docx, DOCX),
             "pdf": (to_pdf, "application/pdf")}  # fmt: skip


@dataclass(frozen=True)
class Rendered:
    """One seed in one document format, after extract() and parse()."""

    case: Case
    kind: str
    path: Path
    text: str
    got: dict[str, Any]


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Rendered]:
    out_dir = tmp_path_factory.mktemp("roundtrip")
    out = {}
    for case in [c for c in cases() if c.path.suffix == ".txt"]:
        text = case.path.read_text(encoding="utf-8")
        for kind, (render, media_type) in RENDERERS.items():
            path = out_dir / f"{case.name}.{kind}"
            path.write_bytes(render(text, title=case.golden["metadata"]["title"]))
            url = f"http://kjj.example.gov.example/zfxxgknb/{case.name}.{kind}"
            ex = extract(path.read_bytes(), media_type=media_type, url=url)
            assert ex.error is None, (kind, ex.error, ex.error_detail)
            got = parse(ex.text or "", title=ex.title, meta=ex.meta).to_dict()
            out[(case.name, kind)] = Rendered(case, kind, path, ex.text or "", got)
    return out
