"""What a CMS module hands back to the spider: leads, plain data with no Scrapy in them.

Keeping leads Scrapy-free lets each CMS family be unit-tested on saved pages alone;
the spider turns leads into Requests and relevance.classify still judges every record.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Lead:
    """One request a CMS module wants made.

    ``pager`` marks a further page of the list being read (followed as a list without
    asking classify, which cannot know an API URL is a list); ``answer_by`` names the
    module that reads the answer (JSON or XML, which lean link extraction cannot read).
    """

    url: str
    anchor: str = ""
    method: str = "GET"
    formdata: tuple[tuple[str, str], ...] = ()
    pager: bool = False
    answer_by: str | None = None


class CmsFamily(Protocol):
    """The interface every module in crawler/cms/ offers (modules, not classes)."""

    NAME: str

    def matches(self, url: str, text: str) -> bool: ...

    def leads(self, url: str, text: str) -> list[Lead]: ...

    def read_answer(self, url: str, text: str, form: Mapping[str, str]) -> list[Lead]: ...


TAGS = re.compile(r"<[^>]+>")


def clean_text(fragment: str) -> str:
    """Anchor text from an HTML fragment or a JS string: tags, escapes and spaces gone."""
    text = html.unescape(TAGS.sub("", fragment.replace("\\", "")))
    return " ".join(text.split())


def is_word_char(char: str) -> bool:
    """Whether ``char`` is a word character to ``re`` (\\w, the sides of a \\b)."""
    return char.isalnum() or char == "_"


class CaselessLiteral:
    """``re.search(re.escape(literal), text, re.I)``, the same verdict found faster.

    Under re.I, ``re`` can only search fast for the uncased characters a pattern starts
    with; a literal starting with a letter is tried at every position of the page. This
    searches from the literal's first uncased ASCII character instead (a match of the
    whole literal contains one there) and checks the whole literal at each hit."""

    def __init__(self, literal: str) -> None:
        self.whole = re.compile(re.escape(literal), re.I)
        self.skip = next((i for i, c in enumerate(literal) if c.isascii() and not c.isalpha()), 0)
        self.tail = re.compile(re.escape(literal[self.skip :]), re.I)

    def search(self, text: str) -> bool:
        if not self.skip:
            return self.whole.search(text) is not None
        pos = self.skip
        while (found := self.tail.search(text, pos)) is not None:
            if self.whole.match(text, found.start() - self.skip):
                return True
            pos = found.start() + 1
        return False
