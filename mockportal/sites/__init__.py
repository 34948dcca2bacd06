"""The sites mockportal can serve, by name."""

from collections.abc import Callable

from mockportal.server import Site
from mockportal.sites.seeds import seeds_site

SITES: dict[str, Callable[[], Site]] = {"seeds": seeds_site}
