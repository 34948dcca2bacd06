"""The sites mockportal can serve, by name."""

from collections.abc import Callable

from mockportal.server import Site
from mockportal.sites.antibot import antibot_site
from mockportal.sites.gkmlpt import gkmlpt_site
from mockportal.sites.hanweb import hanweb_site
from mockportal.sites.seeds import seeds_site
from mockportal.sites.traps import traps_site
from mockportal.sites.trs import trs_site

SITES: dict[str, Callable[[], Site]] = {
    "seeds": seeds_site,
    "trs": trs_site,
    "hanweb": hanweb_site,
    "gkmlpt": gkmlpt_site,
    "traps": traps_site,
    "antibot": antibot_site,
}
