"""crawler.slots: one jittered delay per sent request, so a host's mean gap is its delay."""

from __future__ import annotations

import random
import statistics

from scrapy.core.downloader import Downloader, Slot

from crawler.slots import SteadyDelayDownloader, SteadySlot


def gaps(slot: Slot, sends: int) -> list[float]:
    """The gaps Scrapy's Downloader._process_queue makes: it looks at the slot when a
    request arrives and again when the timer for the penalty it computed fires, and
    sends once a look finds no penalty left."""
    now, out = 0.0, []
    slot.lastseen = now
    for _ in range(sends):
        while (penalty := slot.download_delay() - (now - slot.lastseen)) > 1e-9:
            now = slot.lastseen + slot.download_delay() if penalty < 1e-6 else now + penalty
        out.append(now - slot.lastseen)
        slot.lastseen = now
    return out


def test_stock_slot_redraws_on_every_look_and_stretches_the_gaps() -> None:
    random.seed(1)
    stock = gaps(Slot(2, 1.0, 0.5), 3000)
    assert statistics.mean(stock) > 1.15  # the bias this module removes (~1.2-1.3 s)


def test_steady_slot_gaps_average_the_delay_within_the_jitter() -> None:
    random.seed(1)
    steady = gaps(SteadySlot(2, 1.0, 0.5), 3000)
    assert abs(statistics.mean(steady) - 1.0) < 0.03
    assert min(steady) >= 0.5 and max(steady) <= 1.5


def test_one_draw_per_request_a_new_one_after_a_send_or_a_new_delay() -> None:
    slot = SteadySlot(2, 1.0, 0.5)
    slot.lastseen = 5.0
    first = slot.download_delay()
    assert all(slot.download_delay() == first for _ in range(50))
    draws = set()
    for sent in range(6, 56):
        slot.lastseen = float(sent)
        draws.add(slot.download_delay())
    assert len(draws) == 50  # a fresh draw for every request sent
    slot.delay = 4.0  # AutoThrottle raised the delay: the next draw is around the new one
    assert 2.0 <= slot.download_delay() <= 6.0


def test_no_jitter_means_the_delay_itself() -> None:
    slot = SteadySlot(2, 1.5, 0.0)
    assert slot.download_delay() == 1.5


def test_the_project_crawls_with_steady_slots() -> None:
    """The end-to-end check is tests/crawler/test_politeness.py (gaps at the server)."""
    from settings import crawl as project

    assert project.DOWNLOADER == "crawler.slots.SteadyDelayDownloader"
    assert issubclass(SteadyDelayDownloader, Downloader)
