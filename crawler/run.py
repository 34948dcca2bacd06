"""Run a crawl of some portals in this process and report what it did, per portal."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import SETTINGS_PRIORITIES, Settings, default_settings
from scrapy.utils.project import get_project_settings
from twisted.internet import task

from crawler import distributed
from crawler.portals import Portal
from crawler.spider import PortalSpider
from settings import names
from settings.crawl import user_agent

COUNTERS = (
    "pages",
    "candidates",
    "new",
    "changed",
    "unchanged",
    "gone",
    "errors",
    "requests",
    # report documents (candidates) by what the archive made of them, and refusals
    "reports_new",
    "reports_changed",
    "reports_unchanged",
    "reports_gone",
    "skipped",  # known reports not due for a recheck (OGI_RECHECK_REPORTS_AFTER)
    "blocked",  # anti-bot answers (crawler/antibot.py)
)
Progress = Callable[[Mapping[str, Any]], None]


@dataclass(frozen=True)
class CrawlOutcome:
    run_id: int | None
    stats: dict[str, Any]
    per_portal: dict[str, dict[str, int]] = field(default_factory=dict)
    finish_reason: str | None = None
    errors_by_reason: dict[str, dict[str, int]] = field(default_factory=dict)


def crawl_settings(
    portals: list[Portal], archive_dir: Path, catalog_url: str | None, overrides: Mapping[str, Any]
) -> Settings:
    """Project settings (settings.crawl), then the caller's overrides, then our wiring."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "settings.crawl")
    settings = get_project_settings()
    settings.setdict(dict(overrides), priority="cmdline")
    settings.set(names.OGI_ARCHIVE_DIR, str(archive_dir), priority="cmdline")
    settings.set(names.OGI_CATALOG_URL, catalog_url, priority="cmdline")
    settings.set(names.OGI_PORTALS, portals, priority="cmdline")
    _user_agent_from_contact(settings)
    _resume_and_distributed(settings)
    # Our CLI configures logging (Rich); Scrapy must not install its root handler.
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    return settings


def _resume_and_distributed(settings: Settings) -> None:
    """Settings only: OGI_DISTRIBUTED shares the frontier in Redis (crawler.distributed);
    it or OGI_RESUME_SINCE answers what this crawl already archived from the archive."""
    distributed.configure(settings)
    if settings.get(names.OGI_DISTRIBUTED) or settings.get(names.OGI_RESUME_SINCE):
        distributed.add_components(
            settings, "DOWNLOADER_MIDDLEWARES", {"crawler.replay.ReplayMiddleware": 5}
        )
        distributed.add_components(
            settings, "SPIDER_MIDDLEWARES", {"crawler.workers.AckMiddleware": 10}
        )


def _user_agent_from_contact(settings: Settings) -> None:
    """A contact given at run time goes into the User-Agent, unless that is set too."""
    project = SETTINGS_PRIORITIES["project"]
    contact_given = (settings.getpriority(names.OGI_CONTACT) or 0) > project
    agent_given = (settings.getpriority("USER_AGENT") or 0) > project
    if contact_given and not agent_given:
        settings.set("USER_AGENT", user_agent(settings[names.OGI_CONTACT]), priority="cmdline")


def per_portal_counts(stats: Mapping[str, Any], portals: list[Portal]) -> dict[str, dict[str, int]]:
    return {
        p.name: {c: int(stats.get(f"ogi/portal/{p.name}/{c}", 0)) for c in COUNTERS}
        for p in portals
    }


def errors_by_reason(stats: Mapping[str, Any], portals: list[Portal]) -> dict[str, dict[str, int]]:
    """Per portal, its errors by reason (``http_404``, ``TimeoutError``, ``redirect_loop``)."""
    out: dict[str, dict[str, int]] = {}
    for p in portals:
        prefix = f"ogi/portal/{p.name}/errors/"
        found = {k[len(prefix) :]: int(v) for k, v in stats.items() if k.startswith(prefix)}
        out[p.name] = dict(sorted(found.items(), key=lambda kv: (-kv[1], kv[0])))
    return out


def totals(stats: Mapping[str, Any], portals: list[Portal]) -> dict[str, int]:
    out = dict.fromkeys(COUNTERS, 0)
    for counts in per_portal_counts(stats, portals).values():
        for key, value in counts.items():
            out[key] += value
    return out


def run_crawl(
    portals: list[Portal],
    *,
    archive_dir: Path,
    catalog_url: str | None,
    settings: Mapping[str, Any] | None = None,
    on_progress: Progress | None = None,
) -> CrawlOutcome:
    """Crawl with Scrapy's CrawlerProcess (so: once per process) and wait for the end."""
    process = CrawlerProcess(
        crawl_settings(portals, archive_dir, catalog_url, settings or {}), **_no_root_handler()
    )
    crawler = process.create_crawler(PortalSpider)
    _progress_ticker(crawler, portals, on_progress)
    process.crawl(crawler, portals=portals)
    process.start()
    stats = dict(crawler.stats.get_stats()) if crawler.stats else {}
    if on_progress is not None:
        on_progress(totals(stats, portals))
    return CrawlOutcome(
        run_id=getattr(crawler, "ogi_run_id", None),
        stats=stats,
        per_portal=per_portal_counts(stats, portals),
        finish_reason=stats.get("finish_reason"),
        errors_by_reason=errors_by_reason(stats, portals),
    )


def _no_root_handler() -> dict[str, bool]:
    """Scrapy < 2.14 takes ``install_root_handler``; later ones the setting (set above)."""
    return (
        {}
        if hasattr(default_settings, "LOG_INSTALL_ROOT_HANDLER")
        else {"install_root_handler": False}
    )


def _progress_ticker(crawler: Crawler, portals: list[Portal], on_progress: Progress | None) -> None:
    """Feed ``on_progress`` twice a second while the engine runs.

    The LoopingCall is made on engine_started: creating it earlier would install
    Twisted's default reactor before Scrapy installs the one it is configured for.
    """
    if on_progress is None:
        return
    holder: dict[str, task.LoopingCall] = {}

    def tick() -> None:
        if crawler.stats is not None:
            on_progress(totals(crawler.stats.get_stats(), portals))

    def started() -> None:
        holder["ticker"] = task.LoopingCall(tick)
        holder["ticker"].start(0.5, now=False)

    def stopped() -> None:
        ticker = holder.get("ticker")
        if ticker is not None and ticker.running:
            ticker.stop()

    crawler.signals.connect(started, signal=signals.engine_started, weak=False)
    crawler.signals.connect(stopped, signal=signals.engine_stopped, weak=False)
