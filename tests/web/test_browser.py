"""A researcher's path in a real browser (Debian's Chromium through Playwright):
search → report → diff → download, with screenshots of every page at laptop and phone size.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from web_support import CORRECTION, INJECTED, REVISED, get_json, in_ci

pytestmark = pytest.mark.slow

CHROMIUM = os.environ.get("OGI_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORTS = {"laptop": (1366, 768), "phone": (390, 844)}


def _chromium_or_skip() -> str:
    reason = None
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        reason = f"Chromium not found at {CHROMIUM} (make system-deps installs Debian's chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "playwright is not installed (pip install -e '.[test]')"
    if reason:
        if in_ci():
            pytest.fail(f"{reason} (CI=true: browser tests must run)")
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    path = _chromium_or_skip()
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=path, args=ARGS)
        yield b
        b.close()


@pytest.mark.parametrize("size", sorted(VIEWPORTS))
def test_search_report_diff_download(
    browser, server: str, crawled: dict, artifacts: Path, size: str
) -> None:
    width, height = VIEWPORTS[size]
    context = browser.new_context(
        viewport={"width": width, "height": height}, accept_downloads=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda d: errors.append(f"dialog: {d.message}"))  # an alert() ran

    def shot(name: str) -> None:
        page.screenshot(path=str(artifacts / f"{name}-{size}.png"), full_page=False)

    page.goto(f"{server}/")
    assert page.locator("#coverage").is_visible()
    shot("coverage")

    # search (the two-character query needs the LIKE fallback)
    page.goto(f"{server}/search")
    page.fill("#q", "更正")
    page.locator("#search-form button[type=submit]").click()
    page.wait_for_selector("li.hit")
    assert page.locator("#total").inner_text() == "1 text matches."
    assert page.locator("li.hit mark").first.inner_text() == "更正"
    assert INJECTED in page.locator("li.hit .snippet").inner_text()  # shown as text
    shot("search")

    # the report page: the injected script is text, not markup
    page.locator("a.hit-link").first.click()
    page.wait_for_selector("#citation")
    agency, year = REVISED
    assert agency in page.locator("h1").inner_text() and str(year) in page.inner_text("p.meta")
    assert INJECTED in page.locator("#text").inner_text()
    assert page.locator("#text script").count() == 0
    citation = page.locator("#citation").inner_text()
    shot("report")

    # compare the two versions
    rows = page.locator("table.caps tbody tr")
    ids = [r.get_attribute("id") for r in rows.all()]
    versions = [i.removeprefix("capture-") for i in ids if i]
    first, last = versions[0], versions[-1]
    page.check(f"input[name=a][value='{first}']")
    page.check(f"input[name=b][value='{last}']")
    page.click("#compare")
    page.wait_for_selector("#stat-changes")
    changed = page.locator("#stat-changes tr.changed").inner_text()
    assert "2427" in changed and "2428" in changed
    assert page.locator("#text-diff tr.insert", has_text=CORRECTION).count() == 1
    shot("diff")

    # download the cited capture: the bytes are the ones whose SHA-256 the citation names
    page.go_back()
    page.wait_for_selector("#download")
    with page.expect_download() as info:
        page.click("#download")
    saved = artifacts / f"download-{size}.bin"
    info.value.save_as(saved)
    digest = hashlib.sha256(saved.read_bytes()).hexdigest()
    assert digest in citation
    report = get_json(f"{server}/api/reports?year={year}&agency={urllib.parse.quote(agency)}")
    assert digest == report["items"][0]["sha256"]
    saved.unlink()

    page.goto(f"{server}/runs")
    page.wait_for_selector("section.run")
    shot("runs")
    page.goto(f"{server}/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=15000)
    shot("docs")
    assert errors == []
    context.close()
