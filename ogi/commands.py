"""What each `ogi` command does, apart from argument parsing (ogi/cli.py)."""

from __future__ import annotations

import json
import shlex
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

from rich.console import Console

import parser as report_parser
from archive import Archive, ArchiveError, CaptureInfo
from crawler.portals import Portal, PortalFileError, adhoc_portal, load_portals
from ogi import pipeline, render
from ogi.errors import CliError
from ogi.export_rows import ExportFilter
from ogi.reports import PAGE_SIZE, ReportFilter, report_page, report_rows, to_csv, to_jsonl

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
    resume: bool = False,
) -> None:
    from crawler.run import run_crawl

    portals = select_portals(portals_file, only, start_urls)
    with opened(archive_dir, catalog_url, write=True) as arc:
        # fail early and clearly: a locked, unreadable or unmigratable archive
        if resume and _distributed(settings):
            err_console.print("distributed crawl: the Redis frontier resumes by itself")
        elif resume:
            settings = {**(settings or {}), **resume_settings(arc)}
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
        if _distributed(settings):
            # N crawlers end together: extracting in each would race on the same texts.
            processed = pipeline.ProcessStats()
            err_console.print("distributed crawl: extract and parse with `ogi reparse` after it")
        else:
            processed = pipeline.process_pending(arc, workers=workers)
        version = _default_parser_version(arc)
        in_archive = len(
            report_rows(arc, report_parser.PARSER_NAME, ReportFilter(None, None, version))
        )
    render.crawl_summary(err_console, outcome, processed, in_archive)


def _distributed(settings: dict | None) -> bool:
    import os

    return bool((settings or {}).get("OGI_DISTRIBUTED") or os.environ.get("OGI_DISTRIBUTED"))


# --- resume (crawler/replay.py)
def resume_settings(arc: Archive) -> dict[str, object]:
    """Continue the crawl that was stopped: the runs at the end of the history that never
    finished (killed) are one crawl; what they archived is replayed, not fetched again."""
    since = None
    for run in sorted(arc.runs(), key=lambda r: r.id, reverse=True):
        if run.finished_at is not None:
            break
        since = run.started_at
    if since is None:
        err_console.print("nothing to resume (the last crawl finished): crawling afresh")
        return {}
    moment = since if since.tzinfo else since.replace(tzinfo=UTC)
    err_console.print(f"resuming the crawl begun {moment.isoformat(timespec='seconds')}")
    return {"OGI_RESUME_SINCE": moment.isoformat()}


@dataclass(frozen=True)
class Page:
    """Which rows a listing shows: a page (``limit``, after the cursor ``after``) or all.

    The table (for people) shows a page by default; jsonl and csv (the stable contract
    researchers' scripts read) stay complete unless --limit or --after asks for a page.
    """

    limit: int | None = None
    after: str | None = None
    everything: bool = False

    def paged(self, fmt: str) -> Page:
        if self.everything and (self.limit is not None or self.after is not None):
            raise CliError("--all lists every row: leave out --limit and --after")
        if self.everything or (fmt != "table" and self.limit is None and self.after is None):
            return Page(everything=True)
        return Page(self.limit or PAGE_SIZE, self.after)

    def size(self) -> int:
        return self.limit or PAGE_SIZE


def reports(
    archive_dir: Path,
    catalog: str | None,
    fmt: str,
    year: int | None,
    agency: str | None,
    parser_version: str | None,
    page: Page | None = None,
) -> None:
    _check_format(fmt, ("table", "jsonl", "csv"))
    page = (page or Page()).paged(fmt)
    size = page.size()
    following = None
    with opened(archive_dir, catalog) as arc:
        version = parser_version or _default_parser_version(arc)
        flt = ReportFilter(year, agency, version)
        if page.everything:
            rows = report_rows(arc, report_parser.PARSER_NAME, flt)
        else:
            try:
                rows, following = report_page(
                    arc, report_parser.PARSER_NAME, flt, after=page.after, limit=size
                )
            except ValueError as exc:
                raise CliError(str(exc)) from exc
    if fmt == "jsonl":
        sys.stdout.write(to_jsonl(rows))
    elif fmt == "csv":
        sys.stdout.write(to_csv(rows))
    else:
        out_console.print(render.reports_table(rows))
    _next_page_hint(following)


def _next_page_hint(following: str | None) -> None:
    """On stderr, so jsonl/csv on stdout stay data: how to get the next page."""
    if following is not None:
        err_console.print(
            f"more reports: --after {shlex.quote(following)} (or --all)",
            markup=False,
            highlight=False,
        )


def _default_parser_version(arc: Archive) -> str | None:
    """This parser's results when the archive has them, else the newest it has."""
    known = arc.parser_versions(report_parser.PARSER_NAME)
    if report_parser.PARSER_VERSION in known:
        return report_parser.PARSER_VERSION
    return known[-1] if known else None


def versions(
    archive_dir: Path, catalog: str | None, url: str, fmt: str, page: Page | None = None
) -> None:
    _check_format(fmt, ("table", "jsonl"))
    page = (page or Page()).paged(fmt)
    size = page.size()
    with opened(archive_dir, catalog) as arc:
        if page.everything:
            caps = arc.versions(url)
        else:
            after = int(page.after) if page.after is not None else None
            try:
                caps = arc.versions(url, after=after, limit=size + 1)
            except ValueError as exc:
                raise CliError(str(exc)) from exc
    if not caps and page.after is None:
        raise CliError(f"no capture of {url} in the archive")
    more = not page.everything and len(caps) > size
    caps = caps[:size] if more else caps
    rows = [render.version_row(c) for c in caps]
    if fmt == "jsonl":
        sys.stdout.write(to_jsonl(rows))
    else:
        out_console.print(render.versions_table(rows))
    if more:
        err_console.print(f"more captures: --after {caps[-1].id} (or --all)", highlight=False)


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


def reparse(
    archive_dir: Path, catalog: str | None, workers: int | None, shard: str | None = None
) -> None:
    try:
        part = pipeline.parse_shard(shard) if shard else None
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    if part is not None and (catalog is None or catalog.startswith("sqlite")):
        raise CliError("--shard splits work between machines on one server catalog: pass --catalog")
    with opened(archive_dir, catalog, write=True) as arc:
        if part is None or part[0] == 0:  # one shard extracts what has no text yet
            extracted = pipeline.process_pending(arc, workers=workers)
        else:
            extracted = pipeline.ProcessStats()
        stats = pipeline.reparse_all(arc, workers=workers, shard=part)
    if extracted.texts:
        err_console.print(f"extracted {extracted.texts} texts that had none")
    err_console.print(
        f"reparsed {stats.texts} texts with {report_parser.PARSER_NAME} "
        f"{report_parser.PARSER_VERSION}: {stats.reports} reports"
    )


def export(
    archive_dir: Path,
    catalog: str | None,
    fmt: str,
    out: Path,
    table: str = "all",
    flt: ExportFilter | None = None,
    bom: bool = False,
) -> None:
    from dataclasses import replace

    from ogi import export as exporter  # pyarrow loads only for `ogi export`

    chosen = flt or ExportFilter()
    exporter.check_options(fmt, table, chosen, bom=bom)
    with opened(archive_dir, catalog) as arc:
        version = chosen.parser_version or _default_parser_version(arc)
        result = exporter.run(arc, fmt, out, table, replace(chosen, parser_version=version), bom)
    capture = fmt in exporter.CAPTURE_FORMATS
    for name, count in result.written.items():
        where = out if capture else out / name
        err_console.print(f"wrote {count} {'captures' if capture else 'rows'} to {where}")
    if not capture:
        err_console.print(f"data dictionary: {out / 'datapackage.json'} (docs/data-dictionary.md)")


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


def ship(archive_dir: Path, catalog: str | None) -> None:
    from archive.remote import StoreConfig

    if StoreConfig.from_env().url is None:
        raise CliError("no WARC store configured: set OGI_WARC_STORE to an fsspec URL")
    if catalog is None and not archive_dir.exists():
        raise CliError(f"no archive at {archive_dir} (run `ogi crawl` first or pass --archive)")
    with opened(archive_dir, catalog, write=True) as arc:
        done = arc.ship()
    err_console.print(
        f"shipped {len(done.shipped)} WARC files to {arc.store.url} "
        f"({len(done.adopted)} were there already, {len(done.removed_local)} local copies "
        f"removed, {len(done.busy)} still being written)"
    )


def rebuild_catalog(archive_dir: Path, catalog: str | None, workers: int | None) -> None:
    from archive.remote import StoreConfig

    if not (archive_dir / "warc").is_dir() and StoreConfig.from_env().url is None:
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


# ---------------------------------------------------------------- workbench (serve, diff)
LOOPBACK = ("127.0.0.1", "::1", "localhost")


def serve(
    archive_dir: Path,
    catalog: str | None,
    host: str,
    port: int,
    portals_file: Path | None,
) -> None:
    """`ogi serve`: the read-only workbench; prints its URL on stdout when it listens."""
    from web.server import portal_agencies
    from web.server import serve as run_server

    configured = portal_agencies(portals_file or default_portals_file())
    with opened(archive_dir, catalog) as arc:

        def ready(url: str) -> None:
            print(url, flush=True)
            err_console.print(f"serving {archive_dir} read-only at {url} (Ctrl-C stops)")
            if host not in LOOPBACK:
                err_console.print(f"[yellow]warning[/]: {host} is reachable from other machines")

        run_server(
            arc,
            host=host,
            port=port,
            parser=report_parser.PARSER_NAME,
            parser_version=_default_parser_version(arc),
            configured=configured,
            on_ready=ready,
        )


def diff(archive_dir: Path, catalog: str | None, a: int, b: int, fmt: str) -> None:
    """`ogi diff A B`: unified text diff and the statistics that changed."""
    from ogi.diff import diff_captures, stat_changes_table, to_json

    _check_format(fmt, ("table", "json"))
    with opened(archive_dir, catalog) as arc:
        d = diff_captures(
            arc, a, b, parser=report_parser.PARSER_NAME, version=_default_parser_version(arc)
        )
    if fmt == "json":
        sys.stdout.write(json.dumps(to_json(d), ensure_ascii=False, indent=2) + "\n")
        return
    sys.stdout.write("".join(line + "\n" for line in d.unified))
    if d.same_text:
        err_console.print(f"captures {a} and {b} have the same text")
    if d.stats:
        out_console.print(stat_changes_table(d.stats))
    else:
        err_console.print("no statistic changed")


# --- schedule (ogi/schedule.py)
def schedule(
    *,
    policy_file: Path | None,
    portals_file: Path | None,
    archive_dir: Path,
    catalog: str | None,
    once: bool,
    dry_run: bool,
    now: str | None,
    settings: list[str],
) -> None:
    import os
    from datetime import datetime

    from ogi import schedule as sched

    policy = sched.load_policy(policy_file or _default_schedule_file())
    extra = parse_settings(settings)  # checked now, passed through to every crawl as given
    crawl_args = ["--archive", str(archive_dir)]
    crawl_args += ["--catalog", catalog] if catalog else []
    crawl_args += ["--portals", str(portals_file)] if portals_file else []
    for pair in settings:
        crawl_args += ["--set", pair]
    distributed = extra.get("OGI_DISTRIBUTED") or os.environ.get("OGI_DISTRIBUTED") or None
    key = extra.get("OGI_DISTRIBUTED_KEY") or os.environ.get("OGI_DISTRIBUTED_KEY") or "ogi"
    scheduler = sched.Scheduler(
        policy, archive_dir, crawl_args, distributed and str(distributed), str(key)
    )
    try:
        moment = datetime.fromisoformat(now) if now else datetime.now(UTC)
    except ValueError as exc:
        raise CliError(f"--now wants an ISO date or time (2027-02-03), got {now!r}") from exc
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if dry_run:
        for line in sched.plan_lines(policy, scheduler.state(), moment):
            out_console.print(line, markup=False, highlight=False)
        return
    if once:
        scheduler.run_due(moment, err_console.print)
        return
    scheduler.forever(err_console.print, lambda: datetime.now(UTC))


def _default_schedule_file() -> Path:
    local = Path("settings/schedule.toml")
    if local.exists():
        return local
    import settings

    return Path(settings.__file__).with_name("schedule.toml")
