"""All the words the parser looks for: headings, row labels, units, regexes, canonical keys.

Keys follow ``report_formats.yaml`` (beside this file). The dotted scheme:

* pre-2019 统计表 (table ``"pre2019"``, column ``"统计数"``): the yaml's ``pre2019_unified``
  keys as they are, e.g. ``request.received``, ``reply.denied.state_secret``.
* 2019 / 2021 formats, section 二 (tables ``"art20_1"``, ``"art20_5"``, ``"art20_6"``,
  ``"art20_8"``, ``"art20_9"``): ``active.<table>.<row>.<column>``, e.g.
  ``active.art20_1.normative_docs.issued`` (2021) or ``…new_made`` (2019).
* section 三, the application matrix (table ``"applications"``):
  ``applications.<row>.<column>``, e.g. ``applications.granted.natural_person``,
  ``applications.denied.state_secret.total``; the 2019 format's single （六） row is
  ``applications.other_processing.<column>``.
* section 四 (table ``"review_litigation"``): ``review.<group>.<column>``, e.g.
  ``review.admin_review.upheld``, ``review.litigation_direct.total``.
* prose numbers of narrative reports (table ``"narrative"``): ``narrative.active.total``,
  ``narrative.request.received``.
"""

from __future__ import annotations

import re

CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "两": 2, "三": 3,
             "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip

# ---------------------------------------------------------------- cells and labels
NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d+)?|\.\d+)")
NOT_A_NUMBER = frozenset({"—", "——", "-", "--", "/", "无", "／", "－", "\\", "×", "——/"})
NUMBERING_RE = re.compile(
    r"^\s*(?:[一二三四五六七八九十]{1,3}\s*[、.]"
    r"|\(\s*[一二三四五六七八九十\d]{1,3}\s*\)"
    r"|\d{1,2}\s*[.、](?!\d)"
    r"|其中\s*[:：])\s*"
)
TOP_SECTION_RE = re.compile(r"^\s*([一二三四五六七八九十]{1,3})\s*[、.]")
LABEL_ALIASES = (("行政规范性文件", "规范性文件"), ("结转下一年度", "结转下年度"))

UNITS = ("人次", "万元", "条", "件", "次", "篇", "个", "人", "元", "项", "份", "家", "场", "期")
DASH_UNIT = r"(?:[—–―－]\s?){1,2}|-{1,2}"
UNIT_RE = "(?:" + "|".join(UNITS) + "|" + DASH_UNIT + ")"
CELL_VALUE_RE = r"(?:[+-]?\d[\d,]*(?:\.\d+)?|/|／|无|—{1,2}|-)"
# a space-separated pre-2019 row: "label  unit  value" (label or value may be missing)
SPACED_ROW_RE = re.compile(
    rf"^(?:(?P<label>.*?[^\s—–―－\-])\s+)?(?P<unit>{UNIT_RE})(?:\s+(?P<value>{CELL_VALUE_RE}))?\s*$"
)
SPACED_VALUE_ONLY_RE = re.compile(r"^(?P<label>.*?\S)\s+(?P<value>\d[\d,]*(?:\.\d+)?)\s*$")

# ---------------------------------------------------------------- report detection
REPORT_TITLE_RE = re.compile(r"(?:政府|政务)?信息公开.{0,12}?(?:年度报告|年报|工作报告|情况报告)")
LOOKALIKE_TITLE_RE = re.compile(
    r"法治政府建设|政府工作报告|部门预算|部门决算|预算公开|决算公开|统计公报|国民经济和社会发展"
    r"|通知|函$|格式|模板|编制.{0,6}工作|报送|工作要点|解读|图解|述职"
)
STATS_HEADER = "统计指标单位统计数"
FORMAT_MARKERS = {
    "2021": ("本年制发件数", "本年废止件数", "现行有效件数", "本年收费金额"),
    "2019": ("本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量"),
}
APPLICATIONS_MARKER = "本年新收政府信息公开申请数量"

# ---------------------------------------------------------------- metadata
YEAR_RE = re.compile(r"((?:19|20)\d{2}|[二][〇○零O][一二三四五六七八九〇○零O]{2})\s*年")
DATE_RE = re.compile(
    r"((?:19|20)\d{2}|[二][〇○零O][一二三四五六七八九〇○零O]{2})\s*年\s*"
    r"(\d{1,2}|[一二三四五六七八九十]{1,2})\s*月\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*日"
)
STANDALONE_DATE_RE = re.compile(rf"^\s*(?:落款日期|日期)?[:：]?\s*{DATE_RE.pattern}\s*$")
DOC_NUMBER_RE = re.compile(r"^[\s〔\[(（]*(?:19|20)\d{2}[〕\])）]\s*[—\-－]?\s*\d+\s*号?\s*$")
SIGNATURE_ORG_RE = re.compile(r"^[\u4e00-\u9fff（）()]{3,40}$")
TABLE_END_RE = re.compile(r"^\s*(?:单位负责人|审核人|填报人|填表人|联系电话|填报日期|制表)")
URL_DATE_RES = (
    re.compile(r"(?<![A-Za-z0-9])[tP]0?((?:19|20)\d{2})(\d{2})(\d{2})"),  # t20190327_1
    re.compile(r"/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"),  # Hanweb /art/2019/3/27/
    re.compile(r"/((?:19|20)\d{2})-?(\d{2})-?(\d{2})/"),  # /20190327/, /2019-03-27/
)
URL_MONTH_RE = re.compile(r"/((?:19|20)\d{2})(0[1-9]|1[0-2])/")  # TRS month folder /201903/
META_PUBDATE_KEYS = ("PubDate", "pubdate", "publishdate", "firstpublishedtime", "发布日期")
META_TITLE_KEYS = ("ArticleTitle", "articletitle", "title")
META_SOURCE_KEYS = ("ContentSource", "contentsource", "发布机构")

# contact fields: label words before a colon, and the value pattern that follows
CONTACT_LABELS = {
    "address": r"(?:联系|通讯|办公)?地址",
    "postcode": r"邮政编码|邮编",
    "phone": r"(?:联系|咨询|办公)?电话",
    "fax": r"传真",
    "email": r"电子邮箱|电子信箱|电子邮件|邮箱|E-?mail",
    "website": r"网址|网站",
}
CONTACT_STOP = "；;，,。）)\n"
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
URL_RE = re.compile(r"(?:https?://[\w.-]+|www\.[\w.-]+)\.[a-z]{2,}(?:/[\w./?=&%-]*)?")
PHONE_RE = re.compile(r"(?:\(?0\d{2,3}\)?\s*[-—－–]?\s*)?\d{7,8}(?:\s*[-—－–]\s*\d{1,4})?")
POSTCODE_RE = re.compile(r"(?<!\d)\d{6}(?!\d)")

# ---------------------------------------------------------------- pre-2019 统计表
# (key, top section, printed numbering, official label, unit); key None = heading row.
PRE2019_ROWS: tuple[tuple[str | None, int, str, str, str], ...] = (
    (None, 1, "一、", "主动公开情况", "——"),
    ("active.total", 1, "（一）", "主动公开政府信息数（不同渠道和方式公开相同信息计1条）", "条"),
    ("active.normative_docs", 1, "其中：", "主动公开规范性文件数", "条"),
    ("active.normative_issued", 1, "", "制发规范性文件总数", "件"),
    (None, 1, "（二）", "通过不同渠道和方式公开政府信息的情况", "——"),
    ("active.channel.gazette", 1, "1.", "政府公报公开政府信息数", "条"),
    ("active.channel.website", 1, "2.", "政府网站公开政府信息数", "条"),
    ("active.channel.weibo", 1, "3.", "政务微博公开政府信息数", "条"),
    ("active.channel.wechat", 1, "4.", "政务微信公开政府信息数", "条"),
    ("active.channel.other", 1, "5.", "其他方式公开政府信息数", "条"),
    (None, 2, "二、", "回应解读情况", "——"),
    ("response.hot_topics", 2, "（一）",
     "回应公众关注热点或重大舆情数（不同方式回应同一热点或舆情计1次）", "次"),
    (None, 2, "（二）", "通过不同渠道和方式回应解读的情况", "——"),
    ("response.press_conf", 2, "1.", "参加或举办新闻发布会总次数", "次"),
    ("response.press_conf_leaders", 2, "其中：", "主要负责同志参加新闻发布会次数", "次"),
    ("response.online_interviews", 2, "2.", "政府网站在线访谈次数", "次"),
    ("response.online_interviews_leaders", 2, "其中：",
     "主要负责同志参加政府网站在线访谈次数", "次"),
    ("response.interpretations", 2, "3.", "政策解读稿件发布数", "篇"),
    ("response.weibo_wechat", 2, "4.", "微博微信回应事件数", "次"),
    ("response.other", 2, "5.", "其他方式回应事件数", "次"),
    (None, 3, "三、", "依申请公开情况", "——"),
    ("request.received", 3, "（一）", "收到申请数", "件"),
    ("request.in_person", 3, "1.", "当面申请数", "件"),
    ("request.fax", 3, "2.", "传真申请数", "件"),
    ("request.online", 3, "3.", "网络申请数", "件"),
    ("request.letter", 3, "4.", "信函申请数", "件"),
    ("request.closed", 3, "（二）", "申请办结数", "件"),
    ("request.closed_on_time", 3, "1.", "按时办结数", "件"),
    ("request.closed_extended", 3, "2.", "延期办结数", "件"),
    ("reply.total", 3, "（三）", "申请答复数", "件"),
    ("reply.already_public", 3, "1.", "属于已主动公开范围数", "件"),
    ("reply.granted", 3, "2.", "同意公开答复数", "件"),
    ("reply.partial", 3, "3.", "同意部分公开答复数", "件"),
    ("reply.denied", 3, "4.", "不同意公开答复数", "件"),
    ("reply.denied.state_secret", 3, "其中：", "涉及国家秘密", "件"),
    ("reply.denied.commercial_secret", 3, "", "涉及商业秘密", "件"),
    ("reply.denied.privacy", 3, "", "涉及个人隐私", "件"),
    ("reply.denied.security_stability", 3, "", "危及国家安全、公共安全、经济安全和社会稳定", "件"),
    ("reply.denied.not_gov_info", 3, "", "不是《条例》所指政府信息", "件"),
    ("reply.denied.other_law", 3, "", "法律法规规定的其他情形", "件"),
    ("reply.not_this_agency", 3, "5.", "不属于本行政机关公开数", "件"),
    ("reply.not_exist", 3, "6.", "申请信息不存在数", "件"),
    ("reply.ask_to_amend", 3, "7.", "告知作出更改补充数", "件"),
    ("reply.other_channel", 3, "8.", "告知通过其他途径办理数", "件"),
    ("review.total", 4, "四、", "行政复议数量", "件"),
    ("review.upheld", 4, "（一）", "维持具体行政行为数", "件"),
    ("review.corrected", 4, "（二）", "被依法纠错数", "件"),
    ("review.other", 4, "（三）", "其他情形数", "件"),
    ("litigation.total", 5, "五、", "行政诉讼数量", "件"),
    ("litigation.upheld", 5, "（一）", "维持具体行政行为或者驳回原告诉讼请求数", "件"),
    ("litigation.corrected", 5, "（二）", "被依法纠错数", "件"),
    ("litigation.other", 5, "（三）", "其他情形数", "件"),
    ("complaints", 6, "六、", "举报投诉数量", "件"),
    ("fees", 7, "七、", "依申请公开信息收取的费用", "万元"),
    (None, 8, "八、", "机构建设和保障经费情况", "——"),
    ("org.units", 8, "（一）", "政府信息公开工作专门机构数", "个"),
    ("org.reading_points", 8, "（二）", "设置政府信息公开查阅点数", "个"),
    ("org.staff", 8, "（三）", "从事政府信息公开工作人员数", "人"),
    ("org.staff_fulltime", 8, "1.", "专职人员数（不包括政府公报及政府网站工作人员数）", "人"),
    ("org.staff_parttime", 8, "2.", "兼职人员数", "人"),
    ("org.budget", 8, "（四）",
     "政府信息公开专项经费（不包括用于政府公报编辑管理及政府网站建设维护等方面的经费）", "万元"),
    (None, 9, "九、", "政府信息公开会议和培训情况", "——"),
    ("meetings.count", 9, "（一）", "召开政府信息公开工作会议或专题会议数", "次"),
    ("meetings.trainings", 9, "（二）", "举办各类培训班数", "次"),
    ("meetings.trainees", 9, "（三）", "接受培训人员数", "人次"),
)  # fmt: skip

# totals that must equal the sum of their parts (checked only when every part is printed)
PRE2019_SUMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("request.received", ("request.in_person", "request.fax", "request.online", "request.letter")),
    ("request.closed", ("request.closed_on_time", "request.closed_extended")),
    ("reply.total", ("reply.already_public", "reply.granted", "reply.partial", "reply.denied",
                     "reply.not_this_agency", "reply.not_exist", "reply.ask_to_amend",
                     "reply.other_channel")),
    ("reply.denied", ("reply.denied.state_secret", "reply.denied.commercial_secret",
                      "reply.denied.privacy", "reply.denied.security_stability",
                      "reply.denied.not_gov_info", "reply.denied.other_law")),
    ("review.total", ("review.upheld", "review.corrected", "review.other")),
    ("litigation.total", ("litigation.upheld", "litigation.corrected", "litigation.other")),
    ("org.staff", ("org.staff_fulltime", "org.staff_parttime")),
)  # fmt: skip
PRE2019_MIN_SCORE = 0.72  # similarity (+ position bonus) needed to give a row a key
PRE2019_MIN_RATIO = 0.55  # raw text similarity floor, whatever the position says

# ---------------------------------------------------------------- 2019 / 2021 formats
# section 二: table -> (columns [(key, official label)], rows [(key, official label)])
Pairs = tuple[tuple[str, str], ...]
ART20_TABLES: dict[str, dict[str, tuple[Pairs, Pairs]]] = {
    "2021": {
        "art20_1": ((("issued", "本年制发件数"), ("repealed", "本年废止件数"),
                     ("in_force", "现行有效件数")),
                    (("regulations", "规章"), ("normative_docs", "行政规范性文件"))),
        "art20_5": ((("decisions", "本年处理决定数量"),), (("admin_licensing", "行政许可"),)),
        "art20_6": ((("decisions", "本年处理决定数量"),),
                    (("admin_penalty", "行政处罚"), ("admin_coercion", "行政强制"))),
        "art20_8": ((("fee_amount_wan_yuan", "本年收费金额（单位：万元）"),),
                    (("admin_fees", "行政事业性收费"),)),
    },
    "2019": {
        "art20_1": ((("new_made", "本年新制作数量"), ("new_published", "本年新公开数量"),
                     ("total_published", "对外公开总数量")),
                    (("regulations", "规章"), ("normative_docs", "规范性文件"))),
        "art20_5": ((("prev_year_items", "上一年项目数量"), ("change", "本年增/减"),
                     ("decisions", "处理决定数量")),
                    (("admin_licensing", "行政许可"),
                     ("other_external_services", "其他对外管理服务事项"))),
        "art20_6": ((("prev_year_items", "上一年项目数量"), ("change", "本年增/减"),
                     ("decisions", "处理决定数量")),
                    (("admin_penalty", "行政处罚"), ("admin_coercion", "行政强制"))),
        "art20_8": ((("prev_year_items", "上一年项目数量"), ("change", "本年增/减")),
                    (("admin_fees", "行政事业性收费"),)),
        "art20_9": ((("purchase_items", "采购项目数量"), ("purchase_amount", "采购总金额")),
                    (("central_procurement", "政府集中采购"),)),
    },
}  # fmt: skip
ART20_HEADER_RE = re.compile(r"第二十条第\s*[（(]\s*([一二三四五六七八九十]+)\s*[）)]\s*项")

APPLICATION_COLUMNS = (
    ("natural_person", "自然人"), ("legal_commercial", "商业企业"), ("legal_research", "科研机构"),
    ("legal_public_welfare", "社会公益组织"), ("legal_law_service", "法律服务机构"),
    ("legal_other", "其他"), ("total", "总计"),
)  # fmt: skip
APPLICANT_COLUMN_KEYS = tuple(k for k, _ in APPLICATION_COLUMNS[:6])
# rows in printed order; "other_processing" is the 2019 single （六） row, which 2021
# reports also print when they collapse the three sub-rows.
APPLICATION_ROWS = (
    ("new_received", "一、本年新收政府信息公开申请数量"),
    ("carried_over", "二、上年结转政府信息公开申请数量"),
    ("granted", "（一）予以公开"),
    ("partially_granted", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    ("denied.state_secret", "1.属于国家秘密"),
    ("denied.other_law", "2.其他法律行政法规禁止公开"),
    ("denied.three_safety_one_stability", "3.危及“三安全一稳定”"),
    ("denied.third_party", "4.保护第三方合法权益"),
    ("denied.internal_affairs", "5.属于三类内部事务信息"),
    ("denied.process_info", "6.属于四类过程性信息"),
    ("denied.enforcement_case", "7.属于行政执法案卷"),
    ("denied.admin_query", "8.属于行政查询事项"),
    ("unable.not_held", "1.本机关不掌握相关政府信息"),
    ("unable.need_creation", "2.没有现成信息需要另行制作"),
    ("unable.still_unclear", "3.补正后申请内容仍不明确"),
    ("not_processed.petition_complaint", "1.信访举报投诉类申请"),
    ("not_processed.repeat", "2.重复申请"),
    ("not_processed.publication", "3.要求提供公开出版物"),
    ("not_processed.massive_repeat", "4.无正当理由大量反复申请"),
    ("not_processed.confirm_reissue", "5.要求行政机关确认或重新出具已获取信息"),
    ("other_processing", "（六）其他处理"),
    ("other.overdue_correction",
     "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("other.overdue_fee",
     "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("other.other", "3.其他"),
    ("total_processed", "（七）总计"),
    ("carried_forward", "四、结转下年度继续办理"),
)  # fmt: skip
APPLICATION_OUTCOMES = tuple(k for k, _ in APPLICATION_ROWS[2:-2])
APPLICATION_GROUP_HEADINGS = (
    "三、本年度办理结果", "（三）不予公开", "（四）无法提供", "（五）不予处理", "申请人情况",
    "法人或其他组织",
)  # fmt: skip
APPLICATION_END = ("结转下年度继续办理", "结转下一年度继续办理")
REVIEW_HEADING = "行政复议、行政诉讼情况"
REVIEW_GROUPS = (
    ("admin_review", "行政复议"),
    ("litigation_direct", "行政诉讼/未经复议直接起诉"),
    ("litigation_after_review", "行政诉讼/复议后起诉"),
)
REVIEW_COLUMNS = (
    ("upheld", "结果维持"), ("corrected", "结果纠正"), ("other", "其他结果"),
    ("pending", "尚未审结"), ("total", "总计"),
)  # fmt: skip
GB_MIN_RATIO = 0.6
PAGE_NUMBER_RE = re.compile(
    r"^\s*(?:[-—－]\s*\d{1,3}\s*[-—－]|第\s*\d{1,3}\s*页(?:\s*共\s*\d+\s*页)?)\s*$"
)
VALUE_TOKEN_RE = re.compile(r"^(?:[+-]?\d[\d,]*(?:\.\d+)?|/|／|无|—{1,2}|-{1,2}|－)$")

# ---------------------------------------------------------------- narrative sentences
NARRATIVE_PATTERNS = (
    ("narrative.active.total", "条",
     re.compile(r"主动公开[^。；;，,]{0,16}?(?:政府)?信息\s*(\d+)\s*(余)?\s*条")),
    ("narrative.request.received", None,
     re.compile(r"(?:收到|受理)[^。；;，,]{0,20}?申请[^。；;，,]{0,12}?(\d+)\s*(余)?\s*(件|次|条)")),
)  # fmt: skip

# ---------------------------------------------------------------- report sections
GB_SECTIONS = ("总体情况", "主动公开政府信息情况", "收到和处理政府信息公开申请情况",
               "政府信息公开行政复议、行政诉讼情况", "存在的主要问题及改进情况",
               "其他需要报告的事项")  # fmt: skip
SECTION_HEADING_RE = re.compile(r"^([一二三四五六七八九十]{1,3})\s*、\s*(\S.{0,118})$")
SECTION_END_RE = re.compile(r"^(?:附件|附表)\s*[:：\d]?")
