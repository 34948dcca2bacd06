"""The bulk real portal pages carry around their content: styles, banners, a sidebar of
news, friendly links, a footer with the site's registration numbers, a visitor counter.

It makes mock pages the size of real ones (10-30 KB), so link extraction and extraction
benchmarks meet realistic noise. Every link here must be one a crawler drops: news
articles outside the report column, other sites, the site map, `javascript:`.
"""

from __future__ import annotations

import html

STYLE = """<style type="text/css">
body {
  margin:0;
  padding:0;
  font:14px/1.8 "Microsoft YaHei","微软雅黑",SimSun,"宋体",sans-serif;
  color:#333;
  background:#f4f6f9;
}
a {
  color:#333;
  text-decoration:none;
}
a:hover {
  color:#c00;
  text-decoration:underline;
}
ul,li {
  margin:0;
  padding:0;
  list-style:none;
}
img {
  border:0;
}
.top {
  width:1200px;
  margin:0 auto;
  height:36px;
  line-height:36px;
  font-size:13px;
  color:#666;
}
.top .nav {
  float:left;
}
.top .nav li {
  float:left;
  padding:0 14px;
}
.banner {
  width:1200px;
  height:160px;
  margin:0 auto;
  background:#1b5fb4 url(/images/banner.jpg) no-repeat center;
}
.banner .logo {
  float:left;
  margin:40px 0 0 30px;
  font-size:36px;
  color:#fff;
  font-weight:bold;
  letter-spacing:4px;
}
.banner .search {
  float:right;
  margin:60px 30px 0 0;
}
.banner .search input {
  width:220px;
  height:30px;
  border:1px solid #ddd;
}
.position {
  width:1200px;
  margin:10px auto;
  font-size:13px;
  color:#888;
  border-bottom:1px solid #e5e5e5;
}
.main {
  width:1200px;
  margin:0 auto;
  background:#fff;
  overflow:hidden;
  padding:20px 0;
}
.main .title {
  text-align:center;
  font-size:24px;
  color:#1b5fb4;
  margin:20px 60px;
}
.main .info {
  text-align:center;
  font-size:13px;
  color:#999;
  border-bottom:1px dashed #ccc;
  padding-bottom:10px;
}
.TRS_Editor {
  padding:20px 60px;
  font-size:16px;
  line-height:2;
}
.TRS_Editor p {
  text-indent:2em;
  margin:0 0 10px;
}
.TRS_Editor table {
  border-collapse:collapse;
  margin:10px auto;
  width:95%;
}
.TRS_Editor td {
  border:1px solid #666;
  padding:4px 6px;
  font-size:14px;
}
.list li {
  height:36px;
  line-height:36px;
  border-bottom:1px dotted #ddd;
  padding:0 20px;
}
.list li span {
  float:right;
  color:#999;
}
.page {
  text-align:center;
  margin:20px 0;
  font-size:13px;
}
.page a {
  display:inline-block;
  border:1px solid #ddd;
  padding:0 8px;
  margin:0 2px;
}
.side {
  width:1200px;
  margin:10px auto;
  background:#fff;
  overflow:hidden;
}
.side h3 {
  font-size:16px;
  color:#fff;
  background:#1b5fb4;
  padding:0 15px;
  margin:0;
}
.side .news {
  float:left;
  width:580px;
  padding:10px;
}
.side .news li {
  height:30px;
  line-height:30px;
  overflow:hidden;
}
.side .links {
  float:right;
  width:560px;
  padding:10px;
}
.side .links li {
  float:left;
  width:33%;
  height:30px;
}
.footer {
  width:1200px;
  margin:20px auto 0;
  padding:20px 0;
  text-align:center;
  font-size:13px;
  color:#666;
  border-top:3px solid #1b5fb4;
  background:#fff;
}
.footer p {
  margin:4px 0;
}
.footer .jiucuo {
  display:inline-block;
  vertical-align:middle;
  margin:0 10px;
}
@media print{.top,.banner,.side,.footer,.position{display:none}.main{width:auto}}
</style>"""

NEWS = (
    ("/xwdt/202403/t20240315_5011.html", "示例县召开2024年春季农业生产暨高标准农田建设推进会"),
    ("/xwdt/202403/t20240312_5010.html", "县领导深入乡镇调研乡村振兴重点项目建设情况"),
    ("/xwdt/202403/t20240308_5009.html", "示例县开展“三八”国际妇女节系列主题活动"),
    ("/xwdt/202403/t20240305_5008.html", "全县安全生产工作会议召开 部署重点行业领域专项整治"),
    ("/xwdt/202402/t20240228_5007.html", "示例县科技特派员服务团深入田间地头开展技术指导"),
    ("/xwdt/202402/t20240226_5006.html", "示例县优化营商环境 “一窗通办”让群众少跑腿"),
    ("/xwdt/202402/t20240221_5005.html", "县市场监管局开展节后食品安全专项检查"),
    ("/xwdt/202402/t20240219_5004.html", "示例县2024年重点项目集中开工 总投资逾30亿元"),
    ("/xwdt/202402/t20240215_5003.html", "示例县春节期间文化惠民活动精彩纷呈"),
    ("/xwdt/202402/t20240208_5002.html", "县政府常务会议研究部署近期重点工作"),
    ("/xwdt/202402/t20240205_5001.html", "示例县召开优化营商环境工作推进会"),
    ("/xwdt/202401/t20240130_5000.html", "示例县举办2024年迎新春农民工专场招聘会"),
    ("/xwdt/202401/t20240126_4999.html", "示例县开展冬春季森林草原防灭火督导检查"),
    ("/xwdt/202401/t20240122_4998.html", "示例县扎实做好困难群众冬季生活保障工作"),
)
TOPICS = (  # 专题专栏: campaign pages, never report lists
    ("/ztzl/xxgcddesdjs/", "学习贯彻党的二十大精神"),
    ("/ztzl/yhyshj/", "优化营商环境"),
    ("/ztzl/xczx/", "全面推进乡村振兴"),
    ("/ztzl/aqsc/", "安全生产月"),
    ("/ztzl/cjwmcs/", "创建全国文明城市"),
    ("/ztzl/sdhjbh/", "生态环境保护"),
)
FRIENDLY = (
    ("http://www.gov.cn/", "中国政府网"),
    ("http://www.nx.gov.cn/", "宁夏回族自治区人民政府"),
    ("http://www.sc.gov.cn/", "四川省人民政府"),
    ("http://www.gxzf.gov.cn/", "广西壮族自治区人民政府"),
    ("http://www.most.gov.cn/", "中华人民共和国科学技术部"),
    ("http://www.cnipa.gov.cn/", "国家知识产权局"),
)
COUNTER = """<script type="text/javascript">
var _hmt = _hmt || [];
(function () {
  var visits = 0, key = "site_visit_count";
  try { visits = parseInt(window.localStorage.getItem(key) || "0", 10) + 1;
        window.localStorage.setItem(key, String(visits)); } catch (e) { visits = 1; }
  var el = document.getElementById("visit-count");
  if (el) { el.innerHTML = String(123456 + visits); }
  function fontSize(size) {
    var c = document.getElementById("zoom");
    if (c) { c.style.fontSize = size + "px"; }
  }
  window.doZoom = fontSize;
  window.printPage = function () { window.print(); };
})();
</script>"""


def banner(site_name: str) -> str:
    """Logo and the site search (a form, which a crawler does not submit)."""
    return (
        f'<div class="banner"><div class="logo">{html.escape(site_name)}</div>'
        '<div class="search"><form action="/search/search.jsp" method="get" target="_blank">'
        '<input type="text" name="searchword" placeholder="请输入关键字">'
        '<input type="submit" value="搜索"></form></div></div>'
    )


def sidebar() -> str:
    """Recent news (articles, never report lists) and links to other governments' sites."""
    news = "".join(
        f'<li><a href="{h}" target="_blank" title="{html.escape(t)}">{html.escape(t)}</a></li>'
        for h, t in NEWS
    )
    links = "".join(
        f'<li><a href="{h}" target="_blank">{html.escape(t)}</a></li>' for h, t in FRIENDLY
    )
    topics = "".join(
        f'<li><a href="{h}" target="_blank"><img src="/images{h}banner.png" alt="{t}">'
        f"<span>{html.escape(t)}</span></a></li>"
        for h, t in TOPICS
    )
    return (
        f'<div class="side"><div class="news"><h3>要闻动态</h3><ul>{news}</ul></div>'
        f'<div class="topics"><h3>专题专栏</h3><ul>{topics}</ul></div>'
        f'<div class="links"><h3>相关链接</h3><ul>{links}</ul>'
        '<select onchange="if(this.value){window.open(this.value)}"><option value="">'
        "——各地政府网站——</option>"
        + "".join(f'<option value="{h}">{html.escape(t)}</option>' for h, t in FRIENDLY)
        + "</select></div></div>"
    )


def footer(site_name: str, site_code: str) -> str:
    """Registration numbers, the 政府网站找错 badge, the admin link and a visitor counter."""
    name = html.escape(site_name)
    return (
        '<div class="footer"><p><a href="/wzdt/">网站地图</a> | <a href="/lxwm/">联系我们</a>'
        ' | <a href="javascript:void(0)" onclick="printPage()">打印本页</a>'
        ' | <a href="javascript:void(0)" onclick="doZoom(18)">大</a>'
        ' <a href="javascript:void(0)" onclick="doZoom(16)">中</a>'
        ' <a href="javascript:void(0)" onclick="doZoom(14)">小</a></p>'
        f"<p>主办：{name}办公室 承办：{name}信息化服务中心 版权所有 © {name}</p>"
        "<p>地址：示例县政府路1号 邮编：750000 电话：0951—0000000（工作日 8:30-12:00 "
        "14:30-18:00）</p>"
        f"<p>网站标识码：{site_code} 备案号：宁ICP备00000000号-1 "
        "公安机关备案号：64000002000000号</p>"
        '<p><a class="jiucuo" href="https://zfwzgl.www.gov.cn/exposure/jiucuo.html'
        f'?site_code={site_code}" target="_blank">政府网站找错</a> '
        '<a href="/admin/login.html">后台管理</a> 访问量：<span id="visit-count">0</span>'
        "</p></div>" + COUNTER
    )
