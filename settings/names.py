"""Names of our own Scrapy settings, in one place so a typo is an ImportError."""

OGI_ARCHIVE_DIR = "OGI_ARCHIVE_DIR"  # archive directory the pipeline writes to
OGI_CATALOG_URL = "OGI_CATALOG_URL"  # SQLAlchemy URL of the catalog (None: SQLite in the archive)
OGI_PORTALS = "OGI_PORTALS"  # list[Portal] the spider crawls (set by crawler.run)
OGI_ON_CAPTURE = "OGI_ON_CAPTURE"  # dotted path of a (archive, CaptureResult, FetchRecord) hook
OGI_ARCHIVE_WRITER = "OGI_ARCHIVE_WRITER"  # "process" (own process, another core) or "inline"
OGI_CONTACT = "OGI_CONTACT"  # contact address in the User-Agent
OGI_MAX_DEPTH = "OGI_MAX_DEPTH"  # default link depth per portal
OGI_MAX_PAGES = "OGI_MAX_PAGES"  # default request budget per portal
OGI_SETTINGS_DIGEST_KEYS = "OGI_SETTINGS_DIGEST_KEYS"  # settings recorded in the run digest
OGI_DISTRIBUTED = "OGI_DISTRIBUTED"  # Redis URL: share one frontier between processes
OGI_DISTRIBUTED_KEY = "OGI_DISTRIBUTED_KEY"  # Redis key prefix of that crawl (default "ogi")
OGI_DISTRIBUTED_QUEUE = "OGI_DISTRIBUTED_QUEUE"  # shared queue: "zset" (default) or "hosts"
OGI_WORKER_TTL = "OGI_WORKER_TTL"  # seconds without a heartbeat before a worker counts as dead
OGI_RESUME_SINCE = "OGI_RESUME_SINCE"  # ISO time: captures since then are replayed, not fetched
