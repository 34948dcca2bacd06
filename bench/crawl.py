"""Benchmark: pages/s of the full `ogi crawl` pipeline vs. a bare Scrapy spider, same farm.

    .venv/bin/python bench/crawl.py [--portals 50] [--pages 200] [--quick]

Starts a generated portal farm (mockportal.farm: one loopback host per portal, mixed
CMS styles) in its own process, then crawls it twice, each side in its own process so
its RSS is its own:

* full pipeline: `ogi crawl` as the command runs it (ogi.commands.crawl): the spider
  with relevance and CMS rules, the safety and offsite middlewares, the archive (WARC
  + SQLite catalog in a temp dir) and then extraction and parsing of the candidate
  report documents. Its time runs from the call to its return, extraction included.
* bare spider: a plain Scrapy spider that parses each page with the same lean lxml
  link extraction and follows the farm's crawl graph (exactly the pages a correct
  crawler fetches), storing nothing. Like our spider it never yields a link twice;
  ``--naive-bare`` yields every link again and leaves duplicates to Scrapy's filter,
  as a stock spider does (much slower on pagers that link every page).

The full side archives in its archive-writer process (crawler.archive_writer), which
also runs the project's OGI_ON_CAPTURE hook (ogi.pipeline.CrawlExtraction: extraction in
one worker during the crawl, and what it left at its close); anything still left is
extracted after the crawl; all of it counts. Pages are counted in the crawl process as
the archive answers for them. The CPU lines (ms of CPU per page in the crawl process, the
writer, its extraction worker and the workers after the crawl) are steadier than pages/s
on a shared machine.

Both run with per-host delays off (DOWNLOAD_DELAY=0, AutoThrottle off) and the project's
concurrency settings (CONCURRENT_REQUESTS, CONCURRENT_REQUESTS_PER_DOMAIN,
CONCURRENT_ITEMS), robots.txt obeyed. Target: full >= 0.70x bare. Memory: each side
samples its crawl process's RSS as pages come in and prints it at 25/50/75/100 % of the
pages (the writer's peak RSS is printed apart); the full side's must stay about flat
(the frontier, Scrapy's duplicate filter and the archive's bounded URL cache aside).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET = 0.70
QUARTERS = (0.25, 0.5, 0.75, 1.0)


def rss_mb() -> float:
    """Resident set size of this process now (Linux /proc)."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def common_settings() -> dict[str, Any]:
    """What both sides share: politeness delays off, the project's concurrency."""
    from settings import crawl as project

    return {
        "DOWNLOAD_DELAY": 0,
        "DOWNLOAD_DELAY_JITTER": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS": project.CONCURRENT_REQUESTS,
        "CONCURRENT_REQUESTS_PER_DOMAIN": project.CONCURRENT_REQUESTS_PER_DOMAIN,
        # a tuning setting, not pipeline work: the bare side gets it too, or the ratio flatters us
        "CONCURRENT_ITEMS": project.CONCURRENT_ITEMS,
        "ROBOTSTXT_OBEY": True,
        "USER_AGENT": project.USER_AGENT,
        "TWISTED_REACTOR": project.TWISTED_REACTOR,
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
    }


class Sampler:
    """(pages, RSS) samples, taken as pages come in (every ``every`` pages)."""

    def __init__(self, every: int) -> None:
        self.every = max(1, every)
        self.pages = 0
        self.samples: list[tuple[int, float]] = []
        self.first: float | None = None
        self.last: float | None = None
        self.cpu0 = 0.0
        self.workers0 = 0.0

    def begin(self) -> float:
        """Mark the start: CPU of this process and of its reaped workers so far."""
        self.cpu0 = time.process_time()
        workers = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.workers0 = workers.ru_utime + workers.ru_stime
        return time.perf_counter()

    def page(self) -> None:
        self.pages += 1
        self.last = time.perf_counter()
        if self.first is None:
            self.first = self.last
        if self.pages % self.every == 0:
            self.samples.append((self.pages, rss_mb()))

    def at_quarters(self, total: int) -> list[float | None]:
        out: list[float | None] = []
        for q in QUARTERS:
            hit = next((r for n, r in self.samples if n >= q * total * 0.98), None)
            out.append(hit)
        return out


class PageCounter:
    """Scrapy extension of the full side: counts each kept response once the archive
    has answered for it (item_scraped fires after the pipeline), in the crawl process,
    so the RSS samples are the crawl process's own. The archive and the capture hook
    run in the archive-writer process; its CPU and peak RSS are reported apart."""

    def __init__(self, crawler: Any) -> None:
        from scrapy import signals

        crawler.signals.connect(self.scraped, signal=signals.item_scraped)

    @classmethod
    def from_crawler(cls, crawler: Any) -> PageCounter:
        return cls(crawler)

    def scraped(self, item: Any, *args: Any, **kwargs: Any) -> None:
        from crawler.items import KeptResponse

        if isinstance(item, KeptResponse) and SAMPLER is not None:
            SAMPLER.page()


SAMPLER: Sampler | None = None


# ---------------------------------------------------------------- the two sides (children)
def run_full(args: argparse.Namespace, expected: int) -> dict[str, Any]:
    import importlib

    import crawler.run  # noqa: F401 - Scrapy imported before the clock starts, as the bare side
    from ogi import commands
    from settings import crawl as project

    # The extension is loaded by name (bench.crawl), a module apart from this __main__.
    hooks = importlib.import_module("bench.crawl")
    sampler = hooks.Sampler(expected // 40)
    hooks.SAMPLER = sampler
    extensions = {**getattr(project, "EXTENSIONS", {}), "bench.crawl.PageCounter": 900}
    settings = {**common_settings(), "EXTENSIONS": extensions}
    with tempfile.TemporaryDirectory(prefix="ogi-bench-") as tmp:
        start = sampler.begin()
        commands.crawl(
            portals_file=Path(args.portals_file),
            archive_dir=Path(tmp) / "archive",
            catalog_url=None,
            only=[],
            start_urls=[],
            workers=None,
            quiet=True,
            settings=settings,
        )
        end = time.perf_counter()
        warc_bytes = sum(p.stat().st_size for p in (Path(tmp) / "archive" / "warc").glob("*"))
        from archive import Archive

        with Archive.open(Path(tmp) / "archive", readonly=True) as arc:
            stats = arc.runs()[-1].stats
    from crawler import archiving

    writer = archiving.LAST_WRITER_USAGE
    return _result(
        sampler,
        start,
        end,
        expected,
        warc_mb=warc_bytes / 2**20,
        writer_cpu_seconds=writer.get("cpu_seconds", 0.0),
        writer_workers_cpu_seconds=writer.get("children_cpu_seconds", 0.0),
        writer_peak_rss_mb=writer.get("peak_rss_mb", 0.0),
        **_request_counts(stats),
    )


def _request_counts(stats: dict[str, Any]) -> dict[str, int]:
    """Requests the spider yielded and how many the duplicate filter dropped."""
    filtered = int(stats.get("dupefilter/filtered", 0))
    scheduled = int(stats.get("scheduler/enqueued", 0))
    return {"yielded": scheduled + filtered, "filtered": filtered}


def run_bare(args: argparse.Namespace, expected: int) -> dict[str, Any]:
    import scrapy
    from scrapy.crawler import CrawlerProcess

    from crawler.links import extract_links
    from crawler.portals import load_portals
    from mockportal.farm import Farm, FarmPlan

    plan = FarmPlan(args.portals, args.pages, args.seed)
    ports = json.loads(Path(args.ports_file).read_text())
    graph = Farm(plan, ports, Path(args.portals_file))
    starts = [u for p in load_portals(args.portals_file) for u in p.start_urls]
    sampler = Sampler(expected // 40)
    yielded: set[str] = set(starts)

    class BareSpider(scrapy.Spider):
        name = "bare"

        async def start(self) -> Any:
            for url in starts:
                yield scrapy.Request(url)

        def parse(self, response: Any, **kwargs: Any) -> Any:
            sampler.page()
            if isinstance(response, scrapy.http.TextResponse):
                for _ in extract_links(response.text, response.url):
                    pass  # the same lean link extraction; the graph says what to follow
            for url in graph.children(response.url):
                if args.naive_bare or url not in yielded:  # as our spider: none built twice
                    yielded.add(url)
                    yield scrapy.Request(url)

    process = CrawlerProcess({**common_settings(), "LOG_INSTALL_ROOT_HANDLER": False})
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler)
    start = sampler.begin()
    process.start()
    end = time.perf_counter()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    return _result(sampler, start, end, expected, **_request_counts(stats))


def _result(s: Sampler, start: float, end: float, expected: int, **extra: Any) -> dict[str, Any]:
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "pages": s.pages,
        "cpu_seconds": time.process_time() - s.cpu0,
        "worker_cpu_seconds": workers.ru_utime + workers.ru_stime - s.workers0,
        "seconds": end - start,
        "crawl_seconds": (s.last or end) - start,
        "rate": s.pages / (end - start),
        "peak_rss_mb": peak_rss_mb(),
        "rss_quarters": s.at_quarters(s.pages or expected),
        **extra,
    }


def child_main(args: argparse.Namespace) -> None:
    expected = args.portals * args.pages
    result = run_full(args, expected) if args.child == "full" else run_bare(args, expected)
    print("RESULT " + json.dumps(result), flush=True)


# ---------------------------------------------------------------- the parent
def run_side(side: str, args: argparse.Namespace, ports_file: Path, portals_file: Path) -> dict:
    cmd = [sys.executable, __file__, "--child", side, "--portals", str(args.portals)]
    cmd += ["--pages", str(args.pages), "--seed", str(args.seed)]
    cmd += ["--naive-bare"] if args.naive_bare else []
    cmd += ["--ports-file", str(ports_file), "--portals-file", str(portals_file)]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
        raise SystemExit(f"the {side} side failed (exit {done.returncode})")
    return json.loads(lines[-1][len("RESULT ") :])


def fmt_rss(values: list[float | None]) -> str:
    return " / ".join("?" if v is None else f"{v:.0f}" for v in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--portals", type=int, default=50)
    parser.add_argument("--pages", type=int, default=200, help="pages per portal")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="smoke run: 6 portals x 40 pages")
    parser.add_argument(
        "--naive-bare",
        action="store_true",
        help="bare spider yields every link again and leaves duplicates to Scrapy's filter "
        "(stock Scrapy style) instead of skipping links it already yielded, as ours does",
    )
    parser.add_argument("--child", choices=("full", "bare"), help=argparse.SUPPRESS)
    parser.add_argument("--ports-file", help=argparse.SUPPRESS)
    parser.add_argument("--portals-file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(args)
        return
    if args.quick:
        args.portals, args.pages = 6, 40
    from mockportal.farm import farm

    with (
        tempfile.TemporaryDirectory(prefix="ogi-bench-farm-") as tmp,
        farm(args.portals, args.pages, args.seed, process=True, directory=Path(tmp)) as f,
    ):
        ports_file = Path(tmp) / "ports.json"
        ports_file.write_text(json.dumps(f.ports))
        expected = len(f.expected_urls)
        print(
            f"farm: {args.portals} portals x {args.pages} pages = {expected} pages, "
            f"{len(f.expected_reports)} report documents (seed {args.seed})"
        )
        bare = run_side("bare", args, ports_file, f.portals_path)
        full = run_side("full", args, ports_file, f.portals_path)
    report(bare, full, expected)


def report(bare: dict, full: dict, expected: int) -> None:
    ratio = full["rate"] / bare["rate"]
    ms = lambda side, key: 1000 * side.get(key, 0.0) / max(1, side["pages"])  # noqa: E731
    print(f"bare spider: CPU {ms(bare, 'cpu_seconds'):.1f} ms/page in the crawl process")
    # the writer's extraction workers were reaped by the writer: the crawl process's
    # reaped children hold the writer, its workers and the after-crawl extraction workers
    after = ms(full, "worker_cpu_seconds") - ms(full, "writer_cpu_seconds")
    after -= ms(full, "writer_workers_cpu_seconds")
    print(
        f"full pipeline: CPU {ms(full, 'cpu_seconds'):.1f} ms/page in the crawl process, "
        f"{ms(full, 'writer_cpu_seconds'):.1f} in the archive writer, "
        f"{ms(full, 'writer_workers_cpu_seconds'):.1f} in its extraction worker, "
        f"{after:.1f} in the extraction workers after the crawl"
    )
    print(
        f"bare spider: {bare['rate']:.0f} pages/s ({bare['pages']} pages in "
        f"{bare['seconds']:.1f} s, peak RSS {bare['peak_rss_mb']:.0f} MB)"
    )
    print(
        f"full pipeline: {full['rate']:.0f} pages/s ({full['pages']} pages in "
        f"{full['seconds']:.1f} s: crawl + archive {full['crawl_seconds']:.1f} s, then "
        f"extraction + parsing {full['seconds'] - full['crawl_seconds']:.1f} s; "
        f"{full['warc_mb']:.0f} MB of WARC)"
    )
    for name, side in (("bare spider", bare), ("full pipeline", full)):
        print(
            f"{name}: {side['yielded']} requests yielded, {side['filtered']} of them "
            "dropped as duplicates"
        )
    print(f"ratio: {ratio:.2f} (target >= {TARGET:.2f}) {'OK' if ratio >= TARGET else 'BELOW'}")
    print(
        f"peak RSS of the crawl process: full {full['peak_rss_mb']:.0f} MB, bare "
        f"{bare['peak_rss_mb']:.0f} MB; of the archive writer {full['writer_peak_rss_mb']:.0f} MB"
    )
    print(
        f"RSS at 25/50/75/100 % of pages (MB): full {fmt_rss(full['rss_quarters'])}, "
        f"bare {fmt_rss(bare['rss_quarters'])}"
    )
    quarters = full["rss_quarters"]
    if quarters[0] is not None and quarters[-1] is not None:
        growth = quarters[-1] - quarters[0]
        print(f"full pipeline RSS growth from 25 % to 100 % of pages: {growth:+.0f} MB")
    for name, side in (("full", full), ("bare", bare)):
        if side["pages"] != expected:
            print(f"note: the {name} side fetched {side['pages']} pages, the farm has {expected}")


if __name__ == "__main__":
    main()
