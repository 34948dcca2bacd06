"""The spider's link-judgement memo holds the menus of every portal of a broad crawl.

The downloader-aware queue takes turns among all hosts, so between two pages of one
portal the spider sees a page of every other portal: a memo sized for a few portals
re-judged every menu link on every page (crawler.spider.JUDGED_PER_PORTAL).
"""

from __future__ import annotations

from crawler import spider as spider_module
from crawler.portals import Portal
from crawler.spider import PortalSpider


def portal(n: int) -> Portal:
    host = f"127.77.0.{n % 250 + 1}:{8000 + n}"
    return Portal(f"p{n}", f"agency {n}", (f"http://{host}/",), frozenset({host}))


def test_memo_keeps_every_portals_menu_through_a_round_of_200_portals() -> None:
    portals = [portal(n) for n in range(200)]
    spider = PortalSpider(portals=portals)
    menu = 150  # links of a portal's furniture: navigation, columns, footer

    def judge_round() -> list[list]:
        return [
            spider._judged(p, (f"http://{next(iter(p.allowed_hosts))}/col/{i}/", f"栏目{i}"), False)
            for p in portals
            for i in range(menu)
        ]

    first = judge_round()
    second = judge_round()  # every portal's next page shows the same menu
    assert all(a is b for a, b in zip(first, second, strict=True))  # not one judged again


def test_memo_size_follows_the_portals_within_bounds() -> None:
    assert PortalSpider(portals=[portal(0)])._generation == spider_module.JUDGED_GENERATION
    assert PortalSpider(portals=[portal(n) for n in range(50)])._generation == 50 * 1024
    many = PortalSpider(portals=[portal(n) for n in range(5000)])
    assert many._generation == spider_module.JUDGED_GENERATION_MAX
