"""Scrapy settings for ogi-archive: polite by default (government portals are fragile).

Every value can be overridden per run: `ogi crawl --set NAME=VALUE`.
"""

import os

from ogi import __version__

BOT_NAME = "ogi-archive"
SPIDER_MODULES = ["crawler.spider"]

PROJECT_URL = "https://github.com/ogi-archive/ogi-archive"


def user_agent(contact: str) -> str:
    """An honest User-Agent: who we are, where to read about us, whom to write to."""
    return f"ogi-archive/{__version__} (+{PROJECT_URL}; {contact})"


# Who webmasters can write to. `--set OGI_CONTACT=…` rebuilds USER_AGENT (crawler.run).
OGI_CONTACT = os.environ.get("OGI_CONTACT", "ogi-archive@example.org")
USER_AGENT = user_agent(OGI_CONTACT)

# Politeness: robots.txt obeyed, ~1 request/s per host, at most two at a time.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Broad crawl (Scrapy's "Broad Crawls" advice): politeness is per host (the delay and the
# per-domain limit above), so the process may have many hosts in flight at once. Scrapy
# counts a request waiting out its slot's delay as active, so with 16 here at most ~16
# hosts were busy and a 200-host crawl ran at ~16-30 pages/s whatever the CPU could do.
# 512 allows 256 hosts at 2 requests each. The queue is Scrapy's downloader-aware one (the
# next request comes from the host with the fewest active requests, not from the same few)
# capped at CONCURRENT_REQUESTS_PER_DOMAIN per host (crawler.hostqueue: no backlog of
# waiting requests, so a stopped crawl ends in seconds). Single mode only: the scrapy-redis
# scheduler of distributed mode has its own Redis queue and ignores this setting.
CONCURRENT_REQUESTS = 512
SCHEDULER_PRIORITY_QUEUE = "crawler.hostqueue.HostCappedPriorityQueue"
# Threads for DNS lookups (Twisted's resolver): hundreds of hosts at once need more than 10.
REACTOR_THREADPOOL_MAXSIZE = 20
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5  # ±50 %, what RANDOMIZE_DOWNLOAD_DELAY (deprecated) did
# Scrapy draws the jittered delay anew each time it looks at a slot, so a host's gaps
# averaged ~1.26 s, not 1 s; this downloader draws once per request (crawler.slots).
DOWNLOADER = "crawler.slots.SteadyDelayDownloader"
# Outputs of one callback handled in parallel. Scrapy starts this many asyncio tasks for
# every response (default 100); our pipeline is synchronous and a page yields a handful
# of new requests, so a few suffice and the rest was pure overhead (~1 ms a page).
CONCURRENT_ITEMS = 4
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Timeouts and retries with back-off for flaky county servers.
DOWNLOAD_TIMEOUT = 60
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
DOWNLOAD_MAXSIZE = 200 * 1024 * 1024
DOWNLOAD_WARNSIZE = 50 * 1024 * 1024
REDIRECT_MAX_TIMES = 10
# Attempt n of a retry waits RETRY_BACKOFF_BASE * 2^(n-1) s (or Retry-After), at most MAX.
RETRY_BACKOFF_BASE = 2.0
RETRY_BACKOFF_MAX = 60.0

# Traps (crawler/traps.py): query variants per path beyond pager parameters.
OGI_MAX_QUERY_VARIANTS = 20
# Anti-bot answers (crawler/antibot.py): the host's delay rises to at least this, doubling
# per block up to the max; after this many blocks the portal is not asked again this run.
OGI_BLOCKED_DELAY = 30.0
OGI_BLOCKED_MAX_DELAY = 300.0
OGI_BLOCKED_STOP_AFTER = 5
# Recrawls (crawler/recrawl.py): conditional requests for archived URLs; known report
# documents are asked again only when last confirmed more than this many days ago
# (0: every crawl rechecks them; lists are always rechecked).
OGI_CONDITIONAL_REQUESTS = True
OGI_RECHECK_REPORTS_AFTER = 0.0

# 404/410 must reach the archive, to mark a report gone.
HTTPERROR_ALLOW_ALL = True

# Depth is counted by the spider per portal; Scrapy's own limit is a backstop.
DEPTH_LIMIT = 12
OGI_MAX_DEPTH = 6
OGI_MAX_PAGES = 3000

DOWNLOADER_MIDDLEWARES = {
    # Scrapy's offsite filter ignores ports; ours checks host and port per portal.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.offsite.PortalOffsiteMiddleware": 50,
    # After robots.txt (100) has had its say, before anything connects.
    "crawler.safety.SafeDestinationMiddleware": 120,
    # Scrapy's retries, with a back-off wait before each new attempt.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.retry.BackoffRetryMiddleware": 550,
    # Sees decoded bodies (after 590) before retries (550): a block is never retried.
    "crawler.antibot.AntiBotMiddleware": 560,
    # Sees 3xx answers before RedirectMiddleware (600): loops stop with a reason.
    "crawler.redirects.RedirectGuardMiddleware": 610,
    # Limits with a reason in the stats (crawler.limits): Scrapy's own decompression,
    # subclassed to count its refusals; timeouts and oversized bodies counted below
    # RetryMiddleware (550), so once per URL. Over-long redirect chains: the guard above.
    "crawler.limits.LimitsMiddleware": 500,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.limits.LimitedHttpCompressionMiddleware": 590,
}
ITEM_PIPELINES = {"crawler.archiving.ArchivePipeline": 100}
# The archive (WARC + catalog) and the capture hook run in an archive-writer process, on
# another core than the crawl's event loop (crawler.archive_writer); "inline" keeps them
# here. Resume and distributed crawls always write inline (crawler.archiving).
OGI_ARCHIVE_WRITER = os.environ.get("OGI_ARCHIVE_WRITER", "process")
# Candidate report documents are extracted and parsed in a worker while the crawl runs
# (ogi.pipeline.CrawlExtraction); `ogi crawl` does the rest after it.
OGI_ON_CAPTURE = "ogi.pipeline.extract_during_crawl"

TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
# Scrapy's default reactor, stated so a change of default cannot surprise us.
# (REQUEST_FINGERPRINTER_IMPLEMENTATION is gone: Scrapy >= 2.12 has only the 2.7 one.)
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"

# Settings whose values go into the crawl run's settings digest (provenance).
OGI_SETTINGS_DIGEST_KEYS = [
    "USER_AGENT",
    "ROBOTSTXT_OBEY",
    "CONCURRENT_REQUESTS_PER_DOMAIN",
    "DOWNLOAD_DELAY",
    "AUTOTHROTTLE_ENABLED",
    "RETRY_TIMES",
    "DOWNLOAD_TIMEOUT",
    "OGI_MAX_DEPTH",
    "OGI_MAX_PAGES",
    "OGI_MAX_QUERY_VARIANTS",
    "OGI_BLOCKED_STOP_AFTER",
    "OGI_RECHECK_REPORTS_AFTER",
]

# Distributed crawling (crawler/distributed.py, docs/scaling.md): a Redis URL shares one
# frontier between crawler processes; empty means one process with its own scheduler.
OGI_DISTRIBUTED = os.environ.get("OGI_DISTRIBUTED", "")
OGI_DISTRIBUTED_KEY = os.environ.get("OGI_DISTRIBUTED_KEY", "ogi")
OGI_WORKER_TTL = 30
