"""The five real seed reports every mock portal publishes (../shared/seeds), as the
(agency, year) pairs a complete crawl must report, whatever the portal's CMS or traps."""

from __future__ import annotations

SEED_REPORTS = frozenset(
    {
        ("自治区科技厅", 2018),
        ("隆德县科技局", 2019),
        ("兴庆区科学技术局", 2017),
        ("攀枝花市科学技术局", 2018),
        ("百色市科学技术和知识产权局", 2018),
    }
)
