"""Anti-bot answers: recognised, recorded as ``blocked`` with a signature, backed off.

Signatures (``ogi/blocked/<signature>``, ``ogi/portal/<name>/blocked``):

* ``ruishu_412``  HTTP 412 with an obfuscated script (瑞数: ``$_ts``, a meta with a
  random content, a long one-line script that sets dynamic cookies);
* ``jsl_521``     HTTP 521 with a script that sets a cookie and reloads (加速乐);
* ``challenge``   a 安全验证 / 滑动验证 / 人机验证 / captcha page;
* ``waf_block``   a firewall's refusal (网站防火墙, 您的访问被拒绝, 安全狗, 云锁 …);
* ``script_shell`` a tiny page that only sets ``location`` (or reloads) from a script.

A blocked answer is never stored: archived, a 200 challenge page would enter the URL's
version history as if it were the document (and the next real fetch would count as a
change), so only its signature and URL are recorded (stats, log). We never try to
defeat the check: the host's download delay is raised, and after
``OGI_BLOCKED_STOP_AFTER`` blocks the portal is not asked again in this run.
"""

from __future__ import annotations

import logging
import re

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.links import SCRIPT_URL

log = logging.getLogger(__name__)

SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script>", re.I | re.S)
TAGS = re.compile(r"<script\b.*?</script>|<style\b.*?</style>|<[^>]+>", re.I | re.S)
RUISHU = re.compile(r"\$_ts\s*=|\$_ts\.|_\$[a-zA-Z]{2}\s*=|FuckCookie|\bnsd\s*=", re.I)
RANDOM_META = re.compile(r"<meta\b[^>]*content=\"[A-Za-z0-9._]{40,}\"", re.I)
COOKIE_RELOAD = re.compile(
    r"document\.cookie\s*=.*?(?:location\.href|location\.reload|location\s*=)", re.S
)
CHALLENGE = re.compile(
    r"安全验证|滑动验证|人机验证|拖动(?:下方)?滑块|请完成(?:安全)?验证|验证码验证|captcha", re.I
)
WAF = re.compile(
    r"网站防火墙|WEB应用防火墙|Web应用防火墙|您的访问被拒绝|访问被拒绝|访问被拦截|请求被拦截|请求已被拦截"
    r"|非法请求|安全狗|云锁|创宇盾|已被网站管理员设置拦截|当前访问疑似黑客攻击"
)
SHORT_TEXT = 1500  # visible characters of a block page; reports are much longer
SHELL_BYTES = 2048
PAGE_BYTES = 20_000  # 200 answers larger than this are pages, not block pages (cheap)


def visible_text(body: str) -> str:
    return " ".join(TAGS.sub(" ", body).split())


def signature(status: int, body: str, url: str) -> str | None:
    """The anti-bot signature of an answer, or None for an ordinary page."""
    scripts = SCRIPT.findall(body)
    if status == 412 and (RUISHU.search(body) or RANDOM_META.search(body) or _long_script(scripts)):
        return "ruishu_412"
    if status == 521 and (COOKIE_RELOAD.search(body) or scripts):
        return "jsl_521"
    text = visible_text(body)
    if len(text) < SHORT_TEXT:
        if CHALLENGE.search(text) or (status != 200 and CHALLENGE.search(body)):
            return "challenge"
        if WAF.search(text):
            return "waf_block"
    if status == 200 and len(body) <= SHELL_BYTES and scripts and not text:
        return _shell(scripts, url)
    return None


def _long_script(scripts: list[str]) -> bool:
    return any(len(s) > 2000 and s.count("\n") < 5 for s in scripts)


def _shell(scripts: list[str], url: str) -> str | None:
    """A script-only page: a redirect to a named page is a link (followed elsewhere);
    one that reloads itself, sets a cookie or computes its target is a check."""
    code = "\n".join(scripts)
    if "location" not in code and "document.cookie" not in code:
        return None
    targets = [t for t in SCRIPT_URL.findall(code) if t.split("#")[0] not in ("", url)]
    if targets and "document.cookie" not in code:
        return None
    return "script_shell"


class AntiBotMiddleware:
    """Sits after decompression (590), before retries (550): sees the decoded body."""

    def __init__(self, crawler: Crawler) -> None:
        assert crawler.stats is not None
        self.crawler = crawler
        self.stats = crawler.stats
        settings = crawler.settings
        self.stop_after = settings.getint("OGI_BLOCKED_STOP_AFTER", 5)
        self.delay = settings.getfloat("OGI_BLOCKED_DELAY", 30.0)
        self.max_delay = settings.getfloat("OGI_BLOCKED_MAX_DELAY", 300.0)
        self.blocks: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AntiBotMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        portal = request.meta.get("ogi_portal")
        if portal and self.blocks.get(portal, 0) >= self.stop_after:
            self.stats.inc_value(f"ogi/portal/{portal}/not_asked_blocked")
            raise IgnoreRequest(f"portal {portal} stopped after {self.stop_after} blocks")

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        portal = request.meta.get("ogi_portal")
        if not portal or response.status in (301, 302, 303, 304, 307, 308):
            return response  # robots.txt and engine requests, redirects: not ours to judge
        if response.status == 200 and len(response.body) > PAGE_BYTES:
            return response
        body = response.text[:65536] if hasattr(response, "text") else ""
        found = signature(response.status, body, response.url)
        if found is None:
            return response
        self._record(portal, found, request, response)
        raise IgnoreRequest(f"blocked ({found}): {response.url}")

    def _record(self, portal: str, found: str, request: Request, response: Response) -> None:
        self.stats.inc_value("ogi/blocked")
        self.stats.inc_value(f"ogi/blocked/{found}")
        self.stats.inc_value(f"ogi/portal/{portal}/blocked")
        count = self.blocks[portal] = self.blocks.get(portal, 0) + 1
        delay = self._back_off(request)
        log.warning(
            "blocked (%s, HTTP %s) at %s; block %d of %d for portal %s, host delay now %.1fs",
            found,
            response.status,
            response.url,
            count,
            self.stop_after,
            portal,
            delay,
        )
        if count == self.stop_after:
            self.stats.set_value(f"ogi/portal/{portal}/stopped", "blocked")
            self._drop_queued(portal)

    def _drop_queued(self, portal: str) -> None:
        """Requests of the portal already waiting in a download slot are not sent either.

        Downloader middlewares see a request before it waits for its slot, so a stop
        decided now must also empty the slots' queues (Scrapy's Slot.queue).
        """
        downloader = getattr(self.crawler.engine, "downloader", None)
        for slot in getattr(downloader, "slots", {}).values():
            keep = []
            for request, waiting in slot.queue:
                if request.meta.get("ogi_portal") != portal:
                    keep.append((request, waiting))
                    continue
                self.stats.inc_value(f"ogi/portal/{portal}/not_asked_blocked")
                self.stats.inc_value(f"ogi/portal/{portal}/requests", -1)  # never sent
                waiting.errback(Failure(IgnoreRequest(f"portal {portal} stopped: blocked")))
            slot.queue.clear()
            slot.queue.extend(keep)

    def _back_off(self, request: Request) -> float:
        """Double the host's download delay, from at least OGI_BLOCKED_DELAY, capped."""
        engine = self.crawler.engine
        downloader = getattr(engine, "downloader", None)
        if downloader is None:
            return 0.0
        slot = downloader.slots.get(downloader.get_slot_key(request))
        if slot is None:
            return 0.0
        slot.delay = min(max(slot.delay * 2, self.delay), self.max_delay)
        return float(slot.delay)
