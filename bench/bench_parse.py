"""CPU per page of PortalSpider.parse vs the bare side's lean link extraction, same pages.

    .venv/bin/python bench/bench_parse.py [--portals 20] [--pages 100] [--rounds 3]
                                          [--dump FILE]

No sockets: pages come from a farm plan rendered in memory (mockportal.farm, every page a
correct crawler fetches, attachments included) and from the real portal samples
(/work/wt/shared/samples or tests/fixtures/samples). Each response is decoded before the
clock starts (both sides read ``response.text``; Scrapy decodes it once either way).

Timed in the same run, best of ``--rounds`` passes:

* bare: ``crawler.links.extract_links`` over each HTML page, as bench/crawl.py's bare
  spider does (it yields the farm's known children, which costs it little);
* full: a fresh PortalSpider (real Scrapy crawler and stats) running ``parse`` on each
  page and consuming what it yields: the kept item, the Requests, the stats.

Prints ms/page for each and the ratio bare/full (1.0 would mean the spider's own
decisions cost nothing beyond extraction). ``--dump FILE`` writes every yielded request
(method, URL, body, meta, priority) and the stats as JSON, to compare two versions'
behaviour on the same pages.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import scrapy  # noqa: E402
from scrapy.http import HtmlResponse, Response, TextResponse  # noqa: E402
from scrapy.utils.test import get_crawler  # noqa: E402

from crawler.links import extract_links  # noqa: E402
from crawler.portals import Portal  # noqa: E402
from crawler.spider import PortalSpider  # noqa: E402
from mockportal.farm import FarmPlan, reachable  # noqa: E402

SAMPLE_DIRS = (Path("/work/wt/shared/samples"), ROOT / "tests" / "fixtures" / "samples")
SAMPLE_BASE = "http://samples.gov.example"


def farm_pages(portals: int, pages: int, seed: int) -> tuple[list[Portal], list[Response]]:
    """Every page a correct crawler fetches from the farm, as Scrapy would hand it over."""
    plan = FarmPlan(portals, pages, seed)
    out: list[Response] = []
    portal_list = []
    for index, portal in enumerate(plan.portals):
        base = f"http://{portal.host}:8000"
        name = f"farm{index}"
        portal_list.append(
            Portal(name, "", (base + "/",), frozenset({f"{portal.host}:8000"}), allow_private=True)
        )
        reports = {it.path for it in portal.columns[0].items if it.kind == "report"}
        reports |= {it.attachment for it in portal.columns[0].items if it.attachment}
        for depth, path in enumerate(reachable(portal)):
            status, media, body = plan.respond(portal.host, path)
            meta = {
                "ogi_portal": name,
                "ogi_depth": min(depth, 3),
                "ogi_candidate": path in reports,
            }
            out.append(_response(base + path, status, media, body, meta))
    return portal_list, out


def sample_pages() -> tuple[list[Portal], list[Response]]:
    """The real portal samples, each as a list page of one portal."""
    found = next((d for d in SAMPLE_DIRS if d.is_dir()), None)
    files = sorted(found.glob("*.html")) if found else []
    portal = Portal("samples", "", (SAMPLE_BASE + "/",), frozenset({"samples.gov.example:80"}))
    out = []
    for f in files:
        meta = {"ogi_portal": "samples", "ogi_depth": 1, "ogi_candidate": False}
        out.append(
            _response(f"{SAMPLE_BASE}/xxgk/{f.name}", 200, "text/html", f.read_bytes(), meta)
        )
    return [portal], out


def _response(url: str, status: int, media: str, body: bytes, meta: dict) -> Response:
    request = scrapy.Request(url, meta=meta)
    headers = {"Content-Type": media}
    if media.startswith("text/html"):
        response: Response = HtmlResponse(
            url, status=status, headers=headers, body=body, request=request
        )
    elif media.startswith("text/"):
        response = TextResponse(url, status=status, headers=headers, body=body, request=request)
    else:
        response = Response(url, status=status, headers=headers, body=body, request=request)
    if isinstance(response, TextResponse):
        response.text  # noqa: B018 - decoded once, before any clock starts
    return response


def spider_for(portals: list[Portal]) -> PortalSpider:
    crawler = get_crawler(PortalSpider, {"OGI_PORTALS": portals})
    spider = PortalSpider.from_crawler(crawler)
    crawler.spider = spider
    crawler.stats.open_spider()  # type: ignore[union-attr]
    return spider


def time_bare(pages: list[Response]) -> float:
    start = time.process_time()
    for response in pages:
        if isinstance(response, TextResponse):
            for _ in extract_links(response.text, response.url):
                pass
    return time.process_time() - start


def time_full(portals: list[Portal], pages: list[Response]) -> tuple[float, PortalSpider, list]:
    spider = spider_for(portals)
    out: list[Any] = []
    start = time.process_time()
    for response in pages:
        out.extend(spider.parse(response))
    return time.process_time() - start, spider, out


def best(runs: int, fn: Any) -> Any:
    results = []
    for _ in range(runs):
        gc.collect()
        results.append(fn())
    return min(results, key=lambda r: r if isinstance(r, float) else r[0])


def dump(path: Path, out: list, spider: PortalSpider) -> None:
    rows = [
        {
            "method": r.method,
            "url": r.url,
            "body": r.body.decode("utf-8", "replace"),
            "priority": r.priority,
            "meta": {k: v for k, v in r.meta.items() if k.startswith("ogi_")},
        }
        for r in out
        if isinstance(r, scrapy.Request)
    ]
    stats = spider.crawler.stats.get_stats()  # type: ignore[union-attr]
    stats = {k: v for k, v in stats.items() if k.startswith("ogi/")}
    path.write_text(json.dumps({"requests": rows, "stats": stats}, ensure_ascii=False, indent=0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--portals", type=int, default=20)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dump", type=Path, help="write the farm pass's requests and stats")
    args = parser.parse_args()
    sets = {
        "farm": farm_pages(args.portals, args.pages, args.seed),
        "samples": sample_pages(),
    }
    for name, (portals, pages) in sets.items():
        if not pages:
            print(f"{name}: no pages")
            continue
        repeat = max(1, 200 // len(pages))  # the samples are few: parse them 200 times
        batch = pages * repeat
        bare = best(args.rounds, lambda batch=batch: time_bare(batch))
        full, spider, out = best(
            args.rounds, lambda portals=portals, batch=batch: time_full(portals, batch)
        )
        n = len(batch)
        requests = sum(isinstance(r, scrapy.Request) for r in out)
        print(
            f"{name}: {len(pages)} pages x {repeat}: bare {1000 * bare / n:.3f} ms/page, "
            f"full parse {1000 * full / n:.3f} ms/page ({requests} requests); "
            f"ratio bare/full {bare / full:.2f}"
        )
        if args.dump and name == "farm":
            dump(args.dump, out, spider)


if __name__ == "__main__":
    main()
