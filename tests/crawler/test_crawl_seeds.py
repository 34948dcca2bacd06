"""The crawler against the seeds mock portal, both in their own processes.

What the spider handed to the archive (read back through the OGI_ON_CAPTURE hook), what
it asked the portal for (the server's access log), and what it must never touch: a
robots-disallowed folder, look-alike reports, another port on the same host.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
LIST = "/xxgk/zfxxgknb/"
REPORTS = {  # article path → anchor text on the list
    f"{LIST}201903/t20190327_101.html": "自治区科技厅2018年政府信息公开工作年度报告",
    f"{LIST}202001/t20200120_102.html": "隆德县科技局2019年政府信息公开工作年度报告",
    f"{LIST}201802/t20180226_103.html": "兴庆区科学技术局2017年政府信息公开工作年度报告",
    f"{LIST}201902/t20190222_104.html": "攀枝花市科学技术局2018年政府信息公开工作年度报告",
    f"{LIST}201903/t20190315_106.html": "百色市科学技术和知识产权局2018年政府信息公开工作年度报告",
}
ATTACHMENTS = {  # attachment → the article page it hangs off
    f"{LIST}201902/P020190222512345678901.pdf": f"{LIST}201902/t20190222_104.html",
    f"{LIST}201903/W020190315333444555666.docx": f"{LIST}201903/t20190315_106.html",
}
LOOKALIKES = (
    "/xxgk/zfgzbg/t20190301_107.html",  # 政府工作报告
    "/xxgk/fzzfjs/t20190301_108.html",  # 法治政府建设年度报告
    f"{LIST}201901/t20190110_105.html",  # a meeting notice
)
WITHDRAWN = f"{LIST}202101/t20210120_109.html"  # listed, but answers 404


@contextmanager
def mock_portal(site: str = "seeds") -> Iterator[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "mockportal", "--site", site, "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        base = proc.stdout.readline().strip()
        assert base.startswith("http://127.0.0.1:"), base
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


def control(base: str, action: str, payload: dict | None = None) -> object:
    data = json.dumps(payload).encode() if payload is not None else None
    req = urllib.request.Request(f"{base}/__control__/{action}", data=data)
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.read().decode("utf-8")


@dataclass
class Crawl:
    captures: dict[str, dict]  # by requested URL path
    outcome: dict
    log: list[str]


def crawl(tmp: Path, base: str, archive: Path, label: str) -> Crawl:
    portals = tmp / "portals.toml"
    portals.write_text(
        f'[[portal]]\nname = "seeds"\nagency = "示例县人民政府"\nstart_urls = ["{base}/"]\n'
        "allow_private = true\n",
        encoding="utf-8",
    )
    before = len(control(base, "log"))  # type: ignore[arg-type]
    captures = tmp / f"{label}.jsonl"
    proc = subprocess.run(
        [sys.executable, str(HERE / "crawl_child.py"), str(portals), str(archive), str(captures)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [json.loads(line) for line in captures.read_text(encoding="utf-8").splitlines()]
    by_path = {r["requested_url"][len(base) :]: r for r in rows}
    assert len(by_path) == len(rows), "a URL was handed over twice"
    log = control(base, "log")[before:]  # type: ignore[index]
    return Crawl(by_path, json.loads(proc.stdout.splitlines()[-1]), log)


@pytest.fixture(scope="module")
def crawls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Crawl, Crawl, str]]:
    """Two crawls of one portal; between them one report is revised and one deleted."""
    tmp = tmp_path_factory.mktemp("seeds-crawl")
    archive = tmp / "archive"
    with mock_portal() as base, mock_portal() as decoy:
        _plant_traps(base, decoy)
        first = crawl(tmp, base, archive, "first")
        revised = get(f"{base}{LIST}201903/t20190327_101.html").replace("2427", "2428")
        control(base, "set", {"path": f"{LIST}201903/t20190327_101.html", "body_text": revised})
        control(base, "delete", {"path": f"{LIST}202001/t20200120_102.html"})
        second = crawl(tmp, base, archive, "second")
        assert control(decoy, "log") == [], "the crawler went to another port"
        yield first, second, base


def _plant_traps(base: str, decoy: str) -> None:
    """Report-looking links to another port, directly and by redirect; a withdrawn report."""
    anchor = "2020年政府信息公开工作年度报告"
    traps = (
        f'<a href="{decoy}{LIST}202101/t20210115_1.html">{anchor}</a>'
        f'<a href="/go/2021nb.html">2021年政府信息公开工作年度报告</a>'
        f'<a href="{WITHDRAWN}">2020年度政府信息公开工作年度报告（已撤回）</a>'
    )
    page = get(f"{base}{LIST}index_1.html").replace("</body>", f"{traps}</body>")
    control(base, "set", {"path": f"{LIST}index_1.html", "body_text": page})
    control(
        base,
        "set",
        {
            "path": "/go/2021nb.html",
            "status": 302,
            "body_text": "",
            "headers": {"Location": f"{decoy}{LIST}t20210115_2.html"},
        },
    )
    control(base, "set", {"path": WITHDRAWN, "status": 404, "body_text": "<h1>404</h1>"})


def test_every_report_page_is_handed_over_as_a_candidate(crawls: tuple) -> None:
    first, _, base = crawls
    for path, anchor in REPORTS.items():
        row = first.captures[path]
        assert row["candidate"] is True and row["status"] == 200, path
        assert row["portal"] == "seeds" and row["anchor_text"] == anchor
        assert row["found_from"].startswith(f"{base}{LIST}")
        assert row["depth"] >= 2 and row["media_type"] == "text/html"


def test_attachments_carry_the_article_they_hang_off(crawls: tuple) -> None:
    first, _, base = crawls
    for path, article in ATTACHMENTS.items():
        row = first.captures[path]
        assert row["candidate"] is True and row["found_from"] == f"{base}{article}"
        assert row["depth"] == first.captures[article]["depth"] + 1
        assert row["anchor_text"].endswith((".pdf", ".docx"))
    assert first.captures[f"{LIST}201902/P020190222512345678901.pdf"]["media_type"] == (
        "application/pdf"
    )


def test_list_pages_are_kept_but_not_candidates(crawls: tuple) -> None:
    first, _, _ = crawls
    for path in ("/", "/xxgk/", LIST, f"{LIST}index_1.html"):
        assert first.captures[path]["candidate"] is False, path
    assert first.captures["/"]["found_from"] is None and first.captures["/"]["depth"] == 0


def test_gbk_page_is_detected_as_gb18030(crawls: tuple) -> None:
    first, _, _ = crawls
    assert first.captures[f"{LIST}201802/t20180226_103.html"]["charset"] == "gb18030"
    assert first.captures[f"{LIST}201903/t20190327_101.html"]["charset"] == "utf-8"


def test_a_404_reaches_the_archive(crawls: tuple) -> None:
    first, _, _ = crawls
    row = first.captures[WITHDRAWN]
    assert row["status"] == 404 and row["reason"] == "Not Found"
    assert row["change"] == "error" and row["candidate"] is True


def test_robots_obeyed_and_look_alikes_never_requested(crawls: tuple) -> None:
    first, second, _ = crawls
    for log in (first.log, second.log):
        assert log[0] == "/robots.txt"
        assert not [p for p in log if p.startswith("/admin/")]
        assert not set(LOOKALIKES) & set(log)


def test_each_url_is_requested_once(crawls: tuple) -> None:
    first, _, _ = crawls
    twice = {p for p in first.log if first.log.count(p) > 1}
    assert not twice


def test_other_ports_refused_even_through_a_redirect(crawls: tuple) -> None:
    first, _, _ = crawls
    stats = first.outcome["stats"]
    assert stats["ogi/dropped/offsite"] >= 1  # the direct link, judged by the spider
    assert stats["ogi/refused/offsite"] == 1  # the redirect target, by the middleware
    assert "/go/2021nb.html" in first.log
    assert not any(r["final_url"].startswith("http://127.0.0.1:9") for r in first.captures.values())


def test_honest_user_agent_with_the_contact(crawls: tuple) -> None:
    first, _, _ = crawls
    headers = dict(first.captures["/"]["request_headers"])
    agent = headers["User-Agent"]
    assert agent.startswith("ogi-archive/") and "crawler-tests@example.org" in agent


def test_per_portal_counts_follow_the_archive(crawls: tuple) -> None:
    first, second, _ = crawls
    one, two = first.outcome["per_portal"]["seeds"], second.outcome["per_portal"]["seeds"]
    assert one["pages"] == len(first.captures) and one["new"] == one["pages"] - one["errors"]
    assert one["candidates"] == len(REPORTS) + len(ATTACHMENTS) + 1  # + the withdrawn one
    assert one["requests"] == len(first.log) - 1  # every request but robots.txt
    assert (two["changed"], two["gone"]) == (1, 1)
    assert two["unchanged"] == two["pages"] - 2 - two["errors"]  # the 404s stay errors
    assert second.outcome["run_id"] == first.outcome["run_id"] + 1


def test_revised_and_deleted_reports_on_the_second_crawl(crawls: tuple) -> None:
    _, second, _ = crawls
    assert second.captures[f"{LIST}201903/t20190327_101.html"]["change"] == "changed"
    gone = second.captures[f"{LIST}202001/t20200120_102.html"]
    assert gone["change"] == "gone" and gone["status"] == 404
