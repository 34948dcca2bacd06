"""The `ogi` command line. Researchers and scripts rely on it: keep names and outputs stable."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ogi import commands
from ogi.errors import CliError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Crawl, archive and parse Chinese government OGI annual reports.",
)

ArchiveOpt = Annotated[
    Path | None,
    typer.Option("--archive", envvar="OGI_ARCHIVE", help="Archive directory [default: ./ogi-data]"),
]
CatalogOpt = Annotated[
    str | None,
    typer.Option(
        "--catalog",
        envvar="OGI_CATALOG",
        help="SQLAlchemy URL of the catalog [default: SQLite inside the archive]",
    ),
]
PortalsOpt = Annotated[
    Path | None,
    typer.Option("--portals", envvar="OGI_PORTALS", help="Portal list (TOML)"),
]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table | jsonl | csv")]
LimitOpt = Annotated[
    int | None,
    typer.Option(
        min=1,
        help="Reports (agency + year) per page (table: 50; jsonl/csv: all unless paged)",
    ),
]
AllOpt = Annotated[bool, typer.Option("--all", help="Every row, not a page")]


def _archive_dir(archive: Path | None) -> Path:
    return archive if archive is not None else Path("ogi-data")


@app.command()
def crawl(
    portals: PortalsOpt = None,
    archive: ArchiveOpt = None,
    catalog: CatalogOpt = None,
    portal: Annotated[
        list[str] | None, typer.Option("--portal", help="Only this portal (repeatable)")
    ] = None,
    start_url: Annotated[
        list[str] | None, typer.Option("--start-url", help="Ad-hoc crawl from this URL")
    ] = None,
    workers: Annotated[int | None, typer.Option(help="Extraction processes")] = None,
    setting: Annotated[
        list[str] | None,
        typer.Option("--set", "-s", help="Override a Scrapy setting: NAME=VALUE (repeatable)"),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display")] = False,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            envvar="OGI_RESUME",
            help="Continue a crawl that was killed: what it archived is replayed, not fetched",
        ),
    ] = False,
) -> None:
    """Crawl the configured portals into the archive, then extract and parse new reports."""
    commands.crawl(
        portals_file=portals,
        archive_dir=_archive_dir(archive),
        catalog_url=catalog,
        only=portal or [],
        start_urls=start_url or [],
        workers=workers,
        quiet=quiet,
        settings=commands.parse_settings(setting or []),
        resume=resume,
    )


@app.command()
def reports(
    archive: ArchiveOpt = None,
    catalog: CatalogOpt = None,
    fmt: FormatOpt = "table",
    year: Annotated[int | None, typer.Option(help="Report year (the year reported on)")] = None,
    agency: Annotated[str | None, typer.Option(help="Agency name contains this text")] = None,
    parser_version: Annotated[
        str | None, typer.Option(help="Show the results of this parser version")
    ] = None,
    limit: LimitOpt = None,
    after: Annotated[
        str | None, typer.Option(help="The page after this cursor (printed after a page)")
    ] = None,
    everything: AllOpt = False,
) -> None:
    """One row per report (agency + year): its latest version. A page at a time (--limit,
    --after the cursor printed on stderr); --all lists every report."""
    page = commands.Page(limit, after, everything)
    commands.reports(_archive_dir(archive), catalog, fmt, year, agency, parser_version, page)


@app.command()
def versions(
    url: Annotated[str, typer.Argument(help="URL as crawled")],
    archive: ArchiveOpt = None,
    catalog: CatalogOpt = None,
    fmt: FormatOpt = "table",
    limit: LimitOpt = None,
    after: Annotated[
        int | None, typer.Option(help="The captures after this capture id (the last shown)")
    ] = None,
    everything: AllOpt = False,
) -> None:
    """Every capture of URL, oldest first, with whether its content changed or it is gone.
    A page at a time (--limit, --after); --all lists every capture."""
    page = commands.Page(limit, str(after) if after is not None else None, everything)
    commands.versions(_archive_dir(archive), catalog, url, fmt, page)


@app.command()
def show(
    capture_id: Annotated[int, typer.Argument(help="Capture id (from reports/versions)")],
    raw: Annotated[bool, typer.Option("--raw", help="The body exactly as stored")] = False,
    text: Annotated[bool, typer.Option("--text", help="The extracted text")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Metadata and provenance")] = False,
    archive: ArchiveOpt = None,
    catalog: CatalogOpt = None,
) -> None:
    """Show one capture: --raw bytes, --text, or --json metadata with provenance."""
    chosen = [name for name, on in (("raw", raw), ("text", text), ("json", as_json)) if on]
    if len(chosen) > 1:
        raise CliError("choose one of --raw, --text, --json")
    commands.show(_archive_dir(archive), catalog, capture_id, chosen[0] if chosen else "json")


@app.command()
def reparse(
    archive: ArchiveOpt = None,
    catalog: CatalogOpt = None,
    workers: Annotated[
        int | None, typer.Option(help="Parser processes [default: all cores]")
    ] = None,
    shard: Annotated[
        str | None,
        typer.Option(
            "--shard",
            help="i/N: only texts whose id is i modulo N (N machines on one PostgreSQL catalog)",
        ),
    ] = None,
) -> None:
    """Re-run the current parser over every stored text; older results stay."""
    commands.reparse(_archive_dir(archive), catalog, workers, shard)


@app.command()
def schedule(
    policy: Annotated[
        Path | None,
        typer.Option("--policy", envvar="OGI_SCHEDULE", help="Recrawl policy (TOML)"),
    ] = None,
    portals: PortalsOpt = None,
    archive: ArchiveOpt = None,
    catalog: CatalogOpt = None,
    once: Annotated[bool, typer.Option("--once", help="Run what is due, then exit")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what is due and when each job runs next")
    ] = False,
    now: Annotated[
        str | None, typer.Option("--now", help="Pretend it is this time (ISO date, UTC)")
    ] = None,
    setting: Annotated[
        list[str] | None,
        typer.Option("--set", "-s", help="A Scrapy setting for every run: NAME=VALUE"),
    ] = None,
) -> None:
    """Run crawls on the recrawl policy (settings/schedule.toml): spring sweeps, monthly
    rechecks. Long-running unless --once or --dry-run; see docs/scaling.md for cron/systemd."""
    commands.schedule(
        policy_file=policy,
        portals_file=portals,
        archive_dir=_archive_dir(archive),
        catalog=catalog,
        once=once,
        dry_run=dry_run,
        now=now,
        settings=setting or [],
    )


@app.command()
def export(
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="Directory (jsonl, csv, parquet) or file (warc, wacz)"),
    ],
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="jsonl | csv | parquet | wacz | warc")
    ] = "warc",
    table: Annotated[
        str, typer.Option("--table", help="all | reports | stats (table formats)")
    ] = "all",
    year: Annotated[int | None, typer.Option(help="Report year (the year reported on)")] = None,
    agency: Annotated[str | None, typer.Option(help="Agency name contains this text")] = None,
    parser_version: Annotated[
        str | None, typer.Option(help="Export the results of this parser version")
    ] = None,
    portal: Annotated[
        list[str] | None, typer.Option("--portal", help="Only this portal (repeatable)")
    ] = None,
    report_format: Annotated[
        str | None, typer.Option(help="Report format: pre2019 | 2019 | 2021 | narrative")
    ] = None,
    bom: Annotated[
        bool, typer.Option("--bom", help="CSV with a UTF-8 byte-order mark (for Excel)")
    ] = False,
    archive: ArchiveOpt = None,
    catalog: CatalogOpt = None,
) -> None:
    """Export reports and statistics (jsonl, csv, parquet: a directory with reports, stats and
    datapackage.json) or captures (warc, wacz: one file; only the selected reports' captures
    when filtered). Never overwrites a file."""
    from ogi.export_rows import ExportFilter

    flt = ExportFilter(year, agency, parser_version, tuple(portal or ()), report_format)
    commands.export(_archive_dir(archive), catalog, fmt, out, table, flt, bom)


@app.command()
def check(
    archive: ArchiveOpt = None,
    catalog: CatalogOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table | jsonl")] = "table",
    repair: Annotated[
        bool, typer.Option("--repair", help="Catalog WARC records the catalog lost, then check")
    ] = False,
) -> None:
    """Verify every catalog row against its WARC record and every WARC record against the
    catalog; exit 1 when anything does not match."""
    commands.check(_archive_dir(archive), catalog, fmt, repair)


@app.command("rebuild-catalog")
def rebuild_catalog(
    archive: ArchiveOpt = None,
    catalog: CatalogOpt = None,
    workers: Annotated[int | None, typer.Option(help="Extraction processes")] = None,
) -> None:
    """Rebuild a lost catalog from the WARC files alone, then extract and parse again.

    The catalog must be new or empty: move a damaged catalog.sqlite aside first."""
    commands.rebuild_catalog(_archive_dir(archive), catalog, workers)


@app.command()
def ship(archive: ArchiveOpt = None, catalog: CatalogOpt = None) -> None:
    """Ship every closed WARC file to the WARC store (OGI_WARC_STORE), verified; exit 2
    when the store cannot take them (they stay local)."""
    commands.ship(_archive_dir(archive), catalog)


@app.command()
def demo(
    keep: Annotated[
        Path | None, typer.Option("--keep", help="Keep the demo archive in this directory")
    ] = None,
) -> None:
    """Start a bundled sample portal on 127.0.0.1, crawl it and print the reports."""
    commands.demo(keep)


# ---------------------------------------------------------------- workbench (serve, diff)
@app.command()
def serve(
    host: Annotated[
        str, typer.Option(help="Address to listen on (loopback unless you mean otherwise)")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0: any free port)")] = 8000,
    archive: ArchiveOpt = None,
    catalog: CatalogOpt = None,
    portals: Annotated[
        Path | None,
        typer.Option("--portals", envvar="OGI_PORTALS", help="Portal list for the coverage grid"),
    ] = None,
) -> None:
    """Serve the read-only workbench: coverage, reports, diffs, search, runs, JSON API."""
    commands.serve(_archive_dir(archive), catalog, host, port, portals)


@app.command()
def diff(
    a: Annotated[int, typer.Argument(help="Capture id of the older version")],
    b: Annotated[int, typer.Argument(help="Capture id of the newer version")],
    archive: ArchiveOpt = None,
    catalog: CatalogOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table | json")] = "table",
) -> None:
    """What changed between two captures: a unified text diff and the statistics."""
    commands.diff(_archive_dir(archive), catalog, a, b, fmt)


def main() -> None:
    """Console-script entry: user errors become one line on stderr and exit code 2."""
    try:
        app(standalone_mode=False)
    except CliError as err:
        _fail(str(err), err.exit_code)
    except commands.KNOWN_ERRORS as err:
        _fail(commands.describe(err), 2)
    except typer.Abort:
        _fail("aborted", 130)
    except (typer.Exit, SystemExit) as done:
        sys.exit(getattr(done, "exit_code", getattr(done, "code", 0)))
    except Exception as err:  # click usage errors arrive here too
        import click

        if isinstance(err, click.ClickException):
            err.show()
            sys.exit(err.exit_code)
        raise


def _fail(message: str, code: int) -> None:
    print(f"ogi: error: {message}", file=sys.stderr)
    sys.exit(code)


if __name__ == "__main__":
    main()
