"""A county portal behind anti-bot protection: every kind of block a crawler meets.

``/xxgk/xxgknb/`` lists six reports: five answer with a block (瑞数 412, 加速乐 521,
a 滑动验证 challenge, a WAF refusal, a script-redirect shell) and one is a real report,
which must still be archived. ``/wall/`` lists a dozen reports that all answer 412, as a
whole site does once its protection is switched on: a polite crawler stops asking.
"""

from __future__ import annotations

from mockportal.server import Site
from mockportal.sites.chrome import link_list, page
from mockportal.sites.published import COLUMN, ROBOTS, add_report
from mockportal.sites.seeds import REPORTS

LIST = "/xxgk/xxgknb/"
WALL = "/wall/"
WALL_REPORTS = 12
GOOD = f"{LIST}201903/t20190327_2748201.html"
RUISHU = (
    '<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; '
    'charset=utf-8"><meta id="9DhefwqGPrzGxEp9hPaJ" content="'
    + "kGS3bMXt0qhV6SB8Zp2zNcgsIB1Q9Dt8yeAsL4YmQJw7.pRuvfTa5Hd0Wn6E"
    * 3
    + '" r="m"><script type="text/javascript" r="m">$_ts=window[\'$_ts\'];if(!$_ts)$_ts={};'
    '$_ts.nsd=94721;$_ts.cd="' + "qEzrrrAlxGWrgGVDqGZrqqQlDcLrAqlrwGa3Ek9mrRQqrr" * 60 + '";'
    "if($_ts.lcd)$_ts.lcd();</script>"
    '<script type="text/javascript" charset="utf-8" src="/4QbVtADbnLVIc/c.FxJzG50F.dfe1675.js"'
    ' r="m"></script></head><body></body></html>'
)
JSL = (
    "<html><body><script>document.cookie=('_')+('_')+('j')+('s')+('l')+('_')+('c')+('l')"
    "+('e')+('a')+('r')+('a')+('n')+('c')+('e')+('_')+('s')+('=')+(-~[]+'')+(1+[0]-(1))"
    "+'|-1|'+(new Date().getTime()/1000)+';max-age=3600;path=/';"
    "location.href=location.pathname+location.search</script></body></html>"
)
CHALLENGE = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>安全验证</title></head><body>'
    '<div class="verify"><h3>请完成安全验证</h3><p>请拖动下方滑块完成拼图</p>'
    '<div id="nc_1_wrapper"></div></div><script src="/waf/slider.js"></script></body></html>'
)
WAF = (
    '<html><head><meta charset="utf-8"><title>网站防火墙</title></head><body>'
    '<div class="box"><h2>网站防火墙</h2><p>您的请求带有不合法参数，已被网站管理员设置拦截！</p>'
    "<p>可能原因：您提交的内容包含危险的攻击请求</p></div></body></html>"
)
SHELL = (
    '<html><script type="text/javascript">var x="wzwschallenge",y=Date.now();'
    'document.cookie="wzwsconfirm="+x+y+";path=/";location.reload();</script></html>'
)
BLOCKS: dict[str, tuple[int, str]] = {  # report path → (status, body)
    f"{LIST}201903/t20190320_2748202.html": (412, RUISHU),
    f"{LIST}202001/t20200120_2748203.html": (521, JSL),
    f"{LIST}201802/t20180226_2748204.html": (200, CHALLENGE),
    f"{LIST}201902/t20190222_2748205.html": (403, WAF),
    f"{LIST}201903/t20190315_2748206.html": (200, SHELL),
}
SIGNATURES = ("ruishu_412", "jsl_521", "challenge", "waf_block", "script_shell")


def antibot_site() -> Site:
    site = Site()
    site.add("/robots.txt", ROBOTS, "text/plain")
    home = link_list([(LIST, COLUMN, "")])  # the wall is its own portal's start URL
    site.add("/", page("首页", home, column="首页"))
    report = REPORTS[0]
    add_report(site, report, GOOD)
    rows = [(GOOD, report.title, report.pub_date)]
    for (path, (status, body)), year in zip(BLOCKS.items(), range(2013, 2018), strict=True):
        site.add(path, body, status=status)
        rows.append((path, f"示例县{year}年政府信息公开工作年度报告", f"{year + 1}-03-20"))
    site.add(LIST, page(COLUMN, link_list(rows), column=COLUMN))
    wall = []
    for n in range(WALL_REPORTS):
        path = f"{WALL}{2008 + n}/t{2009 + n}0320_{n}.html"
        site.add(path, RUISHU, status=412)
        wall.append((path, f"示例县{2008 + n}年政府信息公开工作年度报告", ""))
    site.add(WALL, page(COLUMN, link_list(wall), column=COLUMN))
    return site
