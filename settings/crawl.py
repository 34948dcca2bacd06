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
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5  # ±50 %, what RANDOMIZE_DOWNLOAD_DELAY (deprecated) did
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
    # Limits with a reason in the stats (crawler.limits): Scrapy's own decompression and
    # redirect middlewares, subclassed to count their refusals; timeouts and oversized
    # bodies counted below RetryMiddleware (550), so once per URL.
    "crawler.limits.LimitsMiddleware": 500,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.limits.LimitedHttpCompressionMiddleware": 590,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.limits.LimitedRedirectMiddleware": 600,
}
ITEM_PIPELINES = {"crawler.archiving.ArchivePipeline": 100}

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
]
