"""What the spider hands to the archiving pipeline: a response plus its provenance."""

from __future__ import annotations

from dataclasses import dataclass

from scrapy.http import Response


@dataclass
class KeptResponse:
    response: Response
    portal: str
    found_from: str | None
    anchor_text: str | None
    depth: int
    candidate: bool
