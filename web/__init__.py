"""The researcher's workbench: `ogi serve`, a read-only web application over an archive.

Pages and a JSON API (``/api/...``, OpenAPI at ``/docs``) for coverage, reports, diffs
between versions, full-text search and crawl runs. It opens the archive read-only and
serves only GET requests; every value from a report is escaped by the templates.
"""

from web.app import create_app

__all__ = ["create_app"]
