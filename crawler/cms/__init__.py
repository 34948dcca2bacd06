"""CMS families the crawler recognises from the page itself, one small module each.

A portal's CMS is never configured: every page is offered to each family's
``matches``; those that recognise it add leads (script pagers, embedded records,
list APIs). Answers to a family's own API requests go back to that family.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import cast

from crawler.cms import gkmlpt, hanweb, trs
from crawler.cms.base import CmsFamily, Lead

FAMILIES: dict[str, CmsFamily] = {m.NAME: cast(CmsFamily, m) for m in (trs, hanweb, gkmlpt)}

__all__ = ["FAMILIES", "Lead", "answer_leads", "page_leads"]


def page_leads(url: str, text: str) -> Iterator[tuple[str, Lead]]:
    """(family name, lead) from every family that recognises this HTML page."""
    for name, family in FAMILIES.items():
        if family.matches(url, text):
            for lead in family.leads(url, text):
                yield name, lead


def answer_leads(family: str, url: str, text: str, form: Mapping[str, str]) -> list[Lead]:
    """Leads from an answer (JSON/XML) to a request the family itself asked for."""
    found = FAMILIES.get(family)
    return found.read_answer(url, text, form) if found is not None else []
