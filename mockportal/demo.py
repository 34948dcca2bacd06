"""`ogi demo`: the seeds portal on 127.0.0.1 and a portal list pointing at it."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mockportal.server import serving
from mockportal.sites.seeds import seeds_site


@contextmanager
def running_demo_portal() -> Iterator[Path]:
    """Serve the seeds portal in this process; yield a portals.toml for it."""
    with serving(seeds_site()) as base, tempfile.TemporaryDirectory(prefix="ogi-demo-") as tmp:
        path = Path(tmp) / "portals.toml"
        path.write_text(
            "[[portal]]\n"
            'name = "demo-county"\n'
            'agency = "示例县人民政府"\n'
            f'start_urls = ["{base}/"]\n'
            "allow_private = true  # the demo portal listens on 127.0.0.1\n",
            encoding="utf-8",
        )
        yield path
