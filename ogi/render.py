"""How the command line shows things: Rich tables, the crawl progress line, JSON documents."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, is_dataclass
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

from archive import CaptureInfo
from ogi.reports import iso_utc


class CrawlProgress:
    """A one-line live display fed by the crawler's progress callback."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.counts: dict[str, Any] = {}
        self._live: Live | None = None

    def update(self, counts: Mapping[str, Any]) -> None:
        self.counts = dict(counts)
        if self._live is not None:
            self._live.update(self.line())

    def line(self) -> str:
        c = self.counts
        return (
            f"[cyan]crawling[/] pages {c.get('pages', 0)} · report documents "
            f"{c.get('candidates', 0)} · new versions {c.get('new', 0) + c.get('changed', 0)}"
            f" · errors {c.get('errors', 0)}"
        )

    @contextmanager
    def running(self) -> Iterator[None]:
        with Live(self.line(), console=self.console, refresh_per_second=4, transient=True) as live:
            self._live = live
            try:
                yield
            finally:
                self._live = None


def live(progress: CrawlProgress | None):  # type: ignore[no-untyped-def]
    """The progress display's context, or nothing when --quiet."""
    return progress.running() if progress is not None else nullcontext()


def crawl_summary(console: Console, outcome: Any, processed: Any, reports: int) -> None:
    """Per-portal table and totals at the end of `ogi crawl` (on stderr, like progress)."""
    table = Table(title=f"crawl run {outcome.run_id}", title_justify="left")
    columns = ("pages", "report docs", "new", "changed", "unchanged", "gone", "errors", "requests")
    for col in ("portal", *columns):
        table.add_column(col, justify="left" if col == "portal" else "right")
    keys = ("pages", "candidates", "new", "changed", "unchanged", "gone", "errors", "requests")
    totals = dict.fromkeys(keys, 0)
    for name, counts in sorted(outcome.per_portal.items()):
        table.add_row(name, *(str(counts.get(k, 0)) for k in keys))
        for k in keys:
            totals[k] += int(counts.get(k, 0))
    table.add_row("[bold]total", *(f"[bold]{totals[k]}" for k in keys))
    console.print(table)
    console.print(
        f"pages {totals['pages']} · report documents parsed {processed.reports} · reports in"
        f" the archive {reports} · new versions "
        f"{totals['new'] + totals['changed']} · errors {totals['errors']}"
        f" · texts extracted {processed.texts} ({processed.errors} extraction errors)"
    )
    per_report = f"{totals['requests'] / reports:.1f}" if reports else "-"
    console.print(f"requests {totals['requests']} · requests per report {per_report}")
    console.print(report_table(outcome))


def report_table(outcome: Any) -> Table:
    """Report documents by what the archive made of them; refusals; errors by reason."""
    table = Table(title="report documents, refusals, errors", title_justify="left")
    keys = ("reports_new", "reports_changed", "reports_unchanged", "reports_gone")
    columns = ("new", "changed", "unchanged", "gone", "not due", "blocked")
    for col in ("portal", *columns):
        table.add_column(col, justify="left" if col == "portal" else "right")
    table.add_column("errors by reason", overflow="fold")
    reasons = getattr(outcome, "errors_by_reason", {}) or {}
    for name, counts in sorted(outcome.per_portal.items()):
        values = [str(counts.get(k, 0)) for k in (*keys, "skipped", "blocked")]
        why = ", ".join(f"{r} {n}" for r, n in reasons.get(name, {}).items()) or "-"
        table.add_row(name, *values, why)
    return table


def reports_table(rows: list[dict]) -> Table:
    """Short columns never wrap; the title gives way (ellipsis) on a narrow terminal."""
    table = Table(show_lines=False)
    widths = {
        "agency": 8,
        "year": 4,
        "published": 10,
        "format": 9,
        "stats": 5,
        "versions": 8,
        "capture": 7,
    }
    for col, width in widths.items():
        table.add_column(col, no_wrap=True, min_width=width)
    table.add_column("title", overflow="ellipsis", no_wrap=True, max_width=40)
    for r in rows:
        table.add_row(
            r["agency"] or "",
            str(r["year"] or ""),
            r["published"] or "",
            r["format"] or "",
            str(len(r["stats"])),
            str(r["versions"]),
            str(r["capture_id"]),
            r["title"] or "",
        )
    return table


def problems_table(rows: list[dict]) -> Table:
    table = Table(title="archive check", title_justify="left")
    for col in ("kind", "where", "detail"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r["kind"], r["where"], r["detail"])
    return table


def version_row(c: CaptureInfo) -> dict:
    return {
        "capture_id": c.id,
        "fetched_at": iso_utc(c.fetched_at),
        "sha256": c.sha256,
        "status": c.status,
        "changed": bool(c.changed),
        "gone": bool(c.gone),
    }


def versions_table(rows: list[dict]) -> Table:
    table = Table()
    for col in ("capture_id", "fetched_at", "sha256", "status", "changed", "gone"):
        table.add_column(col)
    for r in rows:
        flags = ("yes" if r["changed"] else "", "yes" if r["gone"] else "")
        table.add_row(
            str(r["capture_id"]), r["fetched_at"], r["sha256"] or "", str(r["status"]), *flags
        )
    return table


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def capture_json(info: CaptureInfo, texts: list[Any]) -> dict:
    """Everything the catalog knows of a capture, with its texts (not their bodies)."""
    doc = {k: _plain(v) for k, v in asdict(info).items()} if is_dataclass(info) else {}
    doc["texts"] = [
        {
            "text_id": t.id,
            "extractor": t.extractor,
            "extractor_version": t.extractor_version,
            "error": t.error,
            "chars": len(t.text or ""),
        }
        for t in texts
    ]
    return doc
