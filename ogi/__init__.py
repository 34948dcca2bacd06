"""ogi-archive: crawl, archive and parse Chinese government OGI annual reports."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ogi-archive")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+local"

__all__ = ["__version__"]
