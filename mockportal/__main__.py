"""`python -m mockportal --site seeds --port 0`: print the base URL, serve until killed."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading

from mockportal.server import serving
from mockportal.sites import SITES


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--site", default="seeds", choices=sorted(SITES))
    args.add_argument("--port", type=int, default=0)
    opts = args.parse_args()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with serving(SITES[opts.site](), opts.port) as base:
        print(base, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
    sys.exit(0)


if __name__ == "__main__":
    main()
