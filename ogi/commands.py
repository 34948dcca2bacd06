"""What each `ogi` command does, apart from argument parsing (ogi/cli.py)."""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console

import parser as report_parser
from archive import Archive, ArchiveError, CaptureInfo
from crawler.portals import Portal, PortalFileError, adhoc_portal, load_portals
from ogi import pipeline, render
from ogi.errors import CliError
from ogi.reports import ReportFilter, report_rows, to_csv, to_jsonl

KNOWN_ERRORS: tuple[type[Exception], ...] = (ArchiveError, PortalFileError, OSError)
err_console = Console(stderr=True)
# Piped output has no terminal width; Chinese text is double-width, so give tables room.
out_console = Console() if sys.stdout.isatty() else Console(width=160)


def describe(err: Exception) -> str:
    """One line for a known failure; OSError names the file it failed on."""
    if isinstance(err, OSError) and not isinstance(err, ArchiveError) and err.filename:
        return f"{err.strerror or err}: {err.filename}"
    return str(err).splitlines()[0] if str(err) else type(err).__name__


@contextmanager
def opened(archive_dir: Path, catalog: str | None, *, write: bool = False) -> Iterator[Archive]:
    """Open an existing archive for reading, or create one when writing."""
    if not write and catalog is None and not archive_dir.exists():
        raise CliError(f"no archive at {archive_dir} (run `ogi crawl` first or pass --archive)")
    arc = Archive.open(archive_dir, catalog, create=write, readonly=not write)
    try:
        yield arc
    finally:
        arc.close()


def default_portals_file() -> Path:
    """./settings/portals.toml when run from a checkout, else the list shipped in the package."""
    local = Path("settings/portals.toml")
    if local.exists():
        return local
    import settings

    return Path(settings.__file__).with_name("portals.toml")


def select_portals(
    portals_file: Path | None, only: list[str], start_urls: list[str]
) -> list[Portal]:
    if start_urls and not only:
        return [adhoc_portal(url) for url in start_urls]
    portals = load_portals(portals_file or default_portals_file())
    if only:
        unknown = sorted(set(only) - {p.name for p in portals})
        if unknown:
            raise CliError(f"unknown portal {', '.join(unknown)} (see the portal list)")
        portals = [p for p in portals if p.name in only]
    if start_urls:
        portals = [p.with_start_urls(start_urls) for p in portals]
    return portals


def parse_settings(pairs: list[str]) -> dict[str, object]:
    """NAME=VALUE pairs; values read as JSON when they parse (0, false, [..]), else text."""
    settings: dict[str, object] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise CliError(f"--set wants NAME=VALUE, got {pair!r}")
        settings[name.strip()] = _setting_value(value.strip())
    return settings


def _setting_value(text: str) -> object:
    lowered = {"true": True, "false": False}.get(text.lower())
    if lowered is not None:
        return lowered
    try:
        return json.loads(text)
    except ValueError:
        return text


def crawl(
    *,
    portals_file: Path | None,
    archive_dir: Path,
    catalog_url: str | None,
    only: list[str],
    start_urls: list[str],
    workers: int | None,
    quiet: bool,
    settings: dict | None = None,
) -> None:
    from crawler.run import run_crawl

    portals = select_portals(portals_file, only, start_urls)
    with opened(archive_dir, catalog_url, write=True):
        pass  # fail early and clearly: a locked, unreadable or unmigratable archive
    progress = None if quiet else render.CrawlProgress(err_console)
    with render.live(progress):
        outcome = run_crawl(
            portals,
            archive_dir=archive_dir,
            catalog_url=catalog_url,
            settings=settings,
            on_progress=progress.update if progress else None,
        )
    if outcome.run_id is None:
        raise CliError(f"the crawl did not start (finish reason: {outcome.finish_reason})")
    fatal = outcome.stats.get("ogi/archive_fatal")
    if fatal:  # a full or read-only disk: what was stored stays, the rest waits for a rerun
        raise CliError(f"the crawl stopped early: {fatal}")
    with opened(archive_dir, catalog_url, write=True) as arc:
        processed = pipeline.process_pending(arc, workers=workers)
        version = _default_parser_version(arc)
        in_archive = len(
            report_rows(arc, report_parser.PARSER_NAME, ReportFilter(None, None, version))
        )
    render.crawl_summary(err_console, outcome, processed, in_archive)


def reports(
    archive_dir: Path,
    catalog: str | None,
    fmt: str,
    year: int | None,
    agency: str | None,
    parser_version: str | None,
) -> None:
    _check_format(fmt, ("table", "jsonl", "csv"))
    with opened(archive_dir, catalog) as arc:
        version = parser_version or _default_parser_version(arc)
        rows = report_rows(arc, report_parser.PARSER_NAME, ReportFilter(year, agency, version))
    if fmt == "jsonl":
        sys.stdout.write(to_jsonl(rows))
    elif fmt == "csv":
        sys.stdout.write(to_csv(rows))
    else:
        out_console.print(render.reports_table(rows))


def _default_parser_version(arc: Archive) -> str | None:
    """This parser's results when the archive has them, else the newest it has."""
    known = arc.parser_versions(report_parser.PARSER_NAME)
    if report_parser.PARSER_VERSION in known:
        return report_parser.PARSER_VERSION
    return known[-1] if known else None


def versions(archive_dir: Path, catalog: str | None, url: str, fmt: str) -> None:
    _check_format(fmt, ("table", "jsonl"))
    with opened(archive_dir, catalog) as arc:
        caps = arc.versions(url)
    if not caps:
        raise CliError(f"no capture of {url} in the archive")
    rows = [render.version_row(c) for c in caps]
    if fmt == "jsonl":
        sys.stdout.write(to_jsonl(rows))
    else:
        out_console.print(render.versions_table(rows))


def show(archive_dir: Path, catalog: str | None, capture_id: int, what: str) -> None:
    with opened(archive_dir, catalog) as arc:
        info = arc.capture(capture_id)
        if what == "raw":
            sys.stdout.buffer.write(arc.payload(capture_id))
            sys.stdout.buffer.flush()
        elif what == "text":
            sys.stdout.write(_latest_text(arc, info))
        else:
            doc = render.capture_json(info, arc.texts_for(info.sha256) if info.sha256 else [])
            sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")


def _latest_text(arc: Archive, info: CaptureInfo) -> str:
    texts = [t for t in arc.texts_for(info.sha256) if t.text] if info.sha256 else []
    if not texts:
        raise CliError(f"capture {info.id} has no extracted text (only report documents do)")
    text = max(texts, key=lambda t: t.id).text or ""
    return text if text.endswith("\n") else text + "\n"


def reparse(archive_dir: Path, catalog: str | None, workers: int | None) -> None:
    with opened(archive_dir, catalog, write=True) as arc:
        extracted = pipeline.process_pending(arc, workers=workers)  # texts a rebuild lacks
        stats = pipeline.reparse_all(arc, workers=workers)
    if extracted.texts:
        err_console.print(f"extracted {extracted.texts} texts that had none")
    err_console.print(
        f"reparsed {stats.texts} texts with {report_parser.PARSER_NAME} "
        f"{report_parser.PARSER_VERSION}: {stats.reports} reports"
    )


def export(archive_dir: Path, catalog: str | None, fmt: str, out: Path) -> None:
    _check_format(fmt, ("warc",))
    if out.exists():
        raise CliError(f"{out} exists; refusing to overwrite it")
    with opened(archive_dir, catalog) as arc:
        count = arc.export_warc(out)
    err_console.print(f"wrote {count} captures to {out}")


def check(archive_dir: Path, catalog: str | None, fmt: str, repair: bool = False) -> None:
    _check_format(fmt, ("table", "jsonl"))
    with opened(archive_dir, catalog, write=repair) as arc:
        if repair:
            fixed = arc.reindex_uncatalogued()
            err_console.print(f"re-indexed {fixed.captures} captures the catalog had lost")
        report = arc.check()
    rows = [{"kind": p.kind, "where": p.where, "detail": p.detail} for p in report.problems]
    if fmt == "jsonl":
        sys.stdout.write(to_jsonl(rows))
    elif rows:
        out_console.print(render.problems_table(rows))
    err_console.print(
        f"checked {report.captures} captures and {report.records} WARC records: "
        + ("all consistent" if report.clean else f"{len(rows)} problems")
    )
    if not report.clean:
        raise SystemExit(1)


def rebuild_catalog(archive_dir: Path, catalog: str | None, workers: int | None) -> None:
    if not (archive_dir / "warc").is_dir():
        raise CliError(f"no WARC files under {archive_dir / 'warc'}: nothing to rebuild from")
    with opened(archive_dir, catalog, write=True) as arc:
        stats = arc.rebuild_catalog()
        processed = pipeline.process_pending(arc, workers=workers)
    err_console.print(
        f"rebuilt {stats.captures} captures and {stats.runs} crawl runs from {stats.files} WARC"
        f" files ({stats.skipped} unreadable records skipped); extracted {processed.texts}"
        f" texts, {processed.reports} report documents"
    )


def demo(keep: Path | None) -> None:
    from mockportal.demo import running_demo_portal

    with running_demo_portal() as portals_file:
        if keep is not None:
            _demo_into(portals_file, keep)
            return
        with tempfile.TemporaryDirectory(prefix="ogi-demo-") as tmp:
            _demo_into(portals_file, Path(tmp) / "archive")


def _demo_into(portals_file: Path, archive_dir: Path) -> None:
    err_console.print(f"[bold]ogi demo[/]: crawling a sample portal into {archive_dir}")
    crawl(
        portals_file=portals_file,
        archive_dir=archive_dir,
        catalog_url=None,
        only=[],
        start_urls=[],
        workers=None,
        quiet=False,
        settings={"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False},
    )
    reports(archive_dir, None, "table", None, None, None)


def _check_format(fmt: str, allowed: tuple[str, ...]) -> None:
    if fmt not in allowed:
        raise CliError(f"unknown format {fmt!r}; choose one of {', '.join(allowed)}")
