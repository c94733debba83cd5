"""Statement sentences in Traditional Chinese, offline, from the Fed's own formulas.

An FOMC statement is written from a small, formulaic vocabulary: a subject (job gains,
inflation, the risks to the Committee's goals) with a predicate from a short list (have
moderated, remains elevated, are roughly in balance), time phrases, and a dozen policy
sentences reworded a little from meeting to meeting. ``translate`` reads a sentence as
such clauses and writes each as Taiwan's financial press would (聯準會, 通膨, 縮表, 就業
市場; ../shared/glossary.md). A sentence with any part it does not know is *not*
translated (None): the caller then says what the sentence is about and that it changed,
in Chinese, rather than guess or quote English. Nothing is fetched; it runs in
microseconds. ``tests/test_phrasebook.py`` and ``bench/statement_zh.py`` measure it on
statements it was not written from.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from decimal import Decimal

from bot.domain.chats import Language
from bot.render.formatting import Formatter
from bot.topics.fomc.statement import parse_bound

log = logging.getLogger(__name__)

# --- the pieces ------------------------------------------------------------------------
MONTHS = {m: i for i, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august",
     "september", "october", "november", "december"), 1)}

SUBJECTS: dict[str, str] = {
    "economic activity": "經濟活動",
    "overall economic activity": "整體經濟活動",
    "growth of economic activity": "經濟活動的成長",
    "growth in economic activity": "經濟活動的成長",
    "job gains": "新增就業",
    "payroll gains": "新增就業",
    "the unemployment rate": "失業率",
    "unemployment": "失業",
    "inflation": "通膨",
    "core inflation": "核心通膨",
    "overall inflation": "整體通膨",
    "labor market conditions": "就業市場狀況",
    "the labor market": "就業市場",
    "household spending": "家庭支出",
    "consumer spending": "消費支出",
    "business fixed investment": "企業固定投資",
    "growth of business fixed investment": "企業固定投資的成長",
    "growth in business fixed investment": "企業固定投資的成長",
    "household spending and business fixed investment": "家庭支出與企業固定投資",
    "the housing sector": "房市",
    "housing sector activity": "房市活動",
    "spending and production": "支出與生產",
    "longer-term inflation expectations": "長期通膨預期",
    "the economic outlook": "經濟前景",
    "uncertainty about the economic outlook": "經濟前景的不確定性",
    "uncertainty around the economic outlook": "經濟前景的不確定性",
    "the u.s. banking system": "美國銀行體系",
    "net exports": "淨出口",
    "exports": "出口",
    "energy prices": "能源價格",
    "employment": "就業",
    "economic activity and employment": "經濟活動與就業",
    "the pace of job gains": "新增就業的步調",
    "market-based measures of inflation compensation": "市場型通膨補償指標",
    "survey-based measures of longer-term inflation expectations": "調查型長期通膨預期指標",
    "overall inflation and inflation for items other than food and energy":
        "整體通膨與扣除食品和能源的通膨",
    "both overall inflation and inflation for items other than food and energy":
        "整體通膨與扣除食品和能源的通膨",
    "the fundamentals of the u.s. economy": "美國經濟基本面",
    "inflation for items other than food and energy": "扣除食品和能源的通膨",
    "growth of household spending": "家庭支出的成長",
    "business fixed investment and exports": "企業固定投資與出口",
}

# a reason given after a comma: "..., largely as a result of lower energy prices"
REASONS: dict[str, str] = {
    "largely as a result of lower energy prices": "主要由於能源價格下跌",
    "largely reflecting declines in energy prices": "主要反映能源價格下跌",
    "largely reflecting lower energy prices": "主要反映能源價格走低",
}

_PACES = {"solid": "穩健", "moderate": "溫和", "strong": "強勁", "modest": "小幅",
          "robust": "強勁", "slow": "緩慢", "rapid": "快速", "brisk": "快速",
          "somewhat slower": "稍慢", "slower": "較慢", "faster": "較快"}

PREDICATES: tuple[tuple[str, str], ...] = (
    # growth at a pace
    (r"(?:has|have) (?:continued to expand|been expanding|continued to grow|been growing|"
     r"been rising|continued to rise|been increasing|continued to increase) at an? "
     r"(?P<pace>\w+(?: slower| faster)?) (?:pace|rate)", "持續{pace}擴張"),
    (r"(?:is|are) (?:expanding|growing|rising|increasing) at an? "
     r"(?P<pace>\w+(?: slower| faster)?) (?:pace|rate)", "正{pace}擴張"),
    (r"(?:expanded|grew|rose|increased) at an? (?P<pace>\w+(?: slower| faster)?) "
     r"(?:pace|rate)", "{pace}擴張"),
    (r"(?:has|have) (?:continued to expand|continued to advance|continued to grow)",
     "持續擴張"),
    (r"(?:has|have) (?:moderated|slowed)", "放緩"),
    (r"(?:moderated|slowed)", "放緩"),
    (r"(?:has|have) slowed somewhat", "略為放緩"),
    (r"(?:has|have) (?:remained|stayed) (?P<level>low|strong|solid|elevated|high|robust)",
     "維持{level}"),
    (r"(?:remains?|is|are) (?P<level>low|strong|solid|elevated|high|robust|weak|soft)",
     "仍{level}"),
    (r"(?:remains?|is|are) somewhat elevated", "仍略高"),
    (r"(?:remains?|is|are) low", "仍處低檔"),
    (r"(?:has|have) been (?P<level>strong|solid|robust|soft|weak)", "{level}"),
    (r"(?:has|have) been (?P<level>strong|solid|robust),? on average,? in recent months",
     "近幾個月平均而言{level}"),
    (r"(?:has|have) been (?P<level>strong|solid|robust|soft|weak) in recent months",
     "近幾個月{level}"),
    (r"(?:has|have) (?:moved up|risen|increased|picked up|edged up|ticked up)", "上升"),
    (r"(?:has|have) moved up and remains somewhat elevated", "上升，仍略高"),
    (r"(?:has|have) moved up since earlier in the year and remains somewhat elevated",
     "自今年稍早以來上升，仍略高"),
    (r"(?:has|have) edged up through (?P<month>\w+)", "到{month}月小幅上升"),
    (r"(?:has|have) edged up", "小幅上升"),
    (r"(?:has|have) (?:declined|fallen|decreased|moved down|moved lower|edged down)",
     "下降"),
    (r"(?:has|have) declined substantially", "大幅下降"),
    (r"(?:edged down|declined)", "下降"),
    (r"(?:has|have) eased", "有所緩和"),
    (r"(?:has|have) generally eased", "整體趨緩"),
    (r"(?:has|have) eased somewhat", "略有緩和"),
    (r"(?:has|have) eased over the past year", "在過去一年有所緩解"),
    (r"(?:has|have) (?:strengthened|firmed|improved)", "轉強"),
    (r"(?:has|have) (?:softened|weakened)", "轉弱"),
    (r"(?:has|have) (?:stabilized|been stable|remained stable)", "保持穩定"),
    (r"(?:has|have) stabilized at a low level", "穩定在低檔"),
    (r"(?:remains?|is|are) (?:elevated|high)", "仍處高檔"),
    (r"(?:has|have) (?:increased|risen) further", "進一步升高"),
    (r"(?:has|have) diminished", "降低"),
    (r"(?:is|are) uncertain", "不確定"),
    (r"(?:is|are) highly uncertain", "高度不確定"),
    (r"remains? uncertain", "仍不確定"),
    (r"remains? highly uncertain", "仍高度不確定"),
    (r"(?:is|are) sound and resilient", "穩健且具韌性"),
    (r"(?:has|have) made progress toward the committee'?s 2 percent objective",
     "已朝委員會 2% 的目標取得進展"),
    (r"(?:has|have) (?:been )?little changed", "變化不大"),
    (r"(?:are|is) little changed(?:,? on balance)?", "大致持平"),
    (r"(?:has|have) remained (?:well )?anchored", "維持穩定"),
    (r"(?:held|remained|has held|has remained) steady", "保持穩定"),
    (r"(?:has|have) continued to strengthen", "持續轉強"),
    (r"(?:are|is) running below 2 percent", "低於 2%"),
    (r"(?:remain|remains) near 2 percent", "仍接近 2%"),
    (r"(?:have|has) moved close to 2 percent", "已接近 2%"),
    (r"(?:have|has) continued to run below 2 percent", "持續低於 2%"),
    (r"(?:has|have) remained stable", "維持穩定"),
    (r"(?:has|have) picked up from earlier in the year", "較今年稍早回升"),
)

LEVEL_WORDS = {"low": "低檔", "strong": "強勁", "solid": "穩健", "elevated": "高檔",
               "high": "高檔", "robust": "強勁", "soft": "疲軟", "weak": "疲弱"}

TIMES: dict[str, str] = {
    "in recent months": "近幾個月",
    "over the past year": "在過去一年",
    "since early last year": "自去年初以來",
    "since earlier in the year": "自今年稍早以來",
    "earlier in the year": "今年稍早",
    "this year": "今年",
    "in the first quarter": "在第一季",
    "in the second quarter": "在第二季",
    "in the third quarter": "在第三季",
    "in the fourth quarter": "在第四季",
    "on average": "平均而言",
    "so far this year": "今年以來",
    "in the first half of the year": "上半年",
    "on a 12-month basis": "以 12 個月計",
}

GOAL_BALANCE = {
    "are moving into better balance": "正趨於平衡",
    "continue to move into better balance": "持續趨於平衡",
    "have moved toward better balance over the past year": "在過去一年已趨於平衡",
    "are roughly in balance": "大致平衡",
    "are roughly balanced": "大致平衡",
}

_SUPPORTING = {"strong labor market": "強勁的就業市場",
               "some further strengthening": "就業市場進一步轉強",
               "further improvement": "就業市場進一步改善"}

_WHO = {"all": "所有", "almost all": "幾乎所有", "most": "多數", "many": "許多"}

_DETERMINING = {"the extent of additional": "為使通膨逐步回到 2% 可能需要的進一步緊縮幅度",
                "the pace of future": "未來升息的步調",
                "the extent of future": "未來升息的幅度"}


def _starting(table: dict[str, str], text: str) -> str:
    return next(zh for key, zh in table.items() if text.lower().startswith(key))


_RISEN = {"downside risks to employment": "就業的下行風險",
          "the risks of higher unemployment and higher inflation": "失業率與通膨雙雙走高的風險"}

HOLDINGS = ("its holdings of Treasury securities and agency debt and agency "
            "mortgage-backed securities")
HOLDINGS_ZH = "其持有的美國公債、機構債與機構不動產抵押貸款證券（MBS）"


_ZH = Formatter(Language.ZH_HANT)  # the same units and rates the alerts use


def _yi(billions: str) -> str:
    """$25 billion → 250 億美元 (Chinese counts in 億, hundred millions)."""
    return _ZH.usd_compact(Decimal(billions) * 1_000_000_000)


def _fraction(text: str) -> str:
    """5-1/4 → 5.25 (the Fed writes quarters as fractions)."""
    return f"{parse_bound(text.strip()):.2f}"


def _range(low: str, high: str) -> str:
    return _ZH.rate_range(parse_bound(low), parse_bound(high))


# --- whole sentences (policy formulas) ---------------------------------------------------
Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]


def _r(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


_RATE = r"(?P<low>[\d/-]+) to (?P<high>[\d/-]+) percent"
_ACTIONS = {"maintain": "維持", "raise": "調高", "lower": "調降"}  # inside a sentence
_CONSIDERING = {"any": "對聯邦基金利率目標區間作任何調整",
                "additional": "進一步調整聯邦基金利率目標區間",
                "the extent and timing of additional": "進一步調整聯邦基金利率目標區間的幅度與時機"}

SENTENCES: tuple[Rule, ...] = (
    (_r(r"(?:in support of (?:its|these) goals(?P<shift> and in light of the shift in the "
        r"balance of risks)?, )?the committee decided to "
        r"(?P<act>maintain|raise|lower) the target range for the federal funds rate"
        r"(?: by (?P<size>[\d/-]+) percentage point)? (?:at|to) " + _RATE +
        r"(?P<more> and anticipates that ongoing increases in the target range will be "
        r"appropriate)?"),
     lambda m: (("鑒於風險平衡已經改變，" if m["shift"] else "")
                + f"委員會決定將聯邦基金利率目標區間{_ACTIONS[m['act'].lower()]}"
                + (f" {round(float(_fraction(m['size'])) * 100)} 個基點" if m["size"] else "")
                + ("至 " if m["act"].lower() != "maintain" else "在 ")
                + _range(m["low"], m["high"])
                + ("，並預期持續升息將是適當的" if m["more"] else ""))),
    # the minutes' record of the decision and of the balance sheet
    (_r(r"(?:in support of the committee'?s goals(?P<shift> and in light of the shift in the "
        r"balance of risks)?, )?(?P<who>all|almost all|most) members agreed to "
        r"(?P<act>maintain|raise|lower) the target range for the federal funds rate"
        r"(?: by)?(?: (?P<size>[\d/-]+) percentage point)? (?:at|to) " + _RATE),
     lambda m: (("鑒於風險平衡已經改變，" if m["shift"] else "")
                + _WHO[m["who"].lower()] + "委員同意將聯邦基金利率目標區間"
                + _ACTIONS[m["act"].lower()]
                + (f" {round(float(_fraction(m['size'])) * 100)} 個基點" if m["size"] else "")
                + ("至 " if m["act"].lower() != "maintain" else "在 ")
                + _range(m["low"], m["high"]))),
    (_r(r"(?P<who>all|almost all|most|many) participants judged (?:that )?it (?:would be )?"
        r"appropriate to continue the process of reducing the federal reserve'?s securities "
        r"holdings"),
     lambda m: f"{_WHO[m['who'].lower()]}與會者認為，繼續縮減聯準會持有的證券是適當的"),
    (_r(r"the committee does not expect it will be appropriate to reduce the target range "
        r"until it has gained greater confidence that inflation is moving sustainably "
        r"toward 2 percent"),
     lambda m: "委員會預期，在對通膨持續朝 2% 邁進更有信心之前，不宜調降目標區間"),
    (_r(r"in considering (?P<what>any|additional|the extent and timing of additional) "
        r"adjustments to the target range for the federal funds rate, the committee will "
        r"carefully assess incoming data, the evolving outlook, and the balance of risks"),
     lambda m: (f"在考慮{_CONSIDERING[m['what'].lower()]}時，"
                "委員會將審慎評估新數據、前景變化與風險平衡")),
    (_r(r"the committee judges that the risks to achieving its employment and inflation "
        r"goals (?P<how>" + "|".join(re.escape(k) for k in GOAL_BALANCE) + r")"),
     lambda m: f"委員會認為，實現就業與通膨目標的風險{GOAL_BALANCE[m['how'].lower()]}"),
    (_r(r"(?:in addition, )?the committee will continue reducing " + re.escape(HOLDINGS)
        + r"(?:(?P<plans>, as described in its previously announced plans)|, as described in "
        r"the plans for reducing the size of the federal reserve'?s balance sheet that were "
        r"issued in (?P<issued>january|february|march|april|may|june|july|august|september|"
        r"october|november|december))?"),
     lambda m: f"委員會將繼續縮減{HOLDINGS_ZH}" + (
         "，依先前宣布的計畫進行" if m["plans"] else
         f"，依 {MONTHS[m['issued'].lower()]} 月發布的縮減資產負債表規模計畫進行"
         if m["issued"] else "")),
    (_r(r"(?:in addition, )?the committee expects to begin reducing " + re.escape(HOLDINGS)
        + r" at a coming meeting"),
     lambda m: f"委員會預期將在接下來的會議上開始縮減{HOLDINGS_ZH}（縮表）"),
    (_r(r"(?:in addition, )?the committee decided to begin reducing " + re.escape(HOLDINGS)
        + r" on (?P<month>\w+) (?P<day>\d+)(?:, as described in .*)?"),
     lambda m: (f"委員會決定自 {MONTHS.get(m['month'].lower(), 0)} 月 {m['day']} 日起開始"
                f"縮減{HOLDINGS_ZH}（縮表）")),
    (_r(r"the committee is strongly committed to (?P<emp>supporting maximum employment and )?"
        r"returning inflation to its 2 percent objective"),
     lambda m: ("委員會堅定致力於" + ("支持充分就業並" if m["emp"] else "")
                + "使通膨回到 2% 的目標")),
    (_r(r"the committee seeks to achieve maximum employment and inflation at the rate of "
        r"2 percent over the longer run"),
     lambda m: "委員會力求在長期實現充分就業與 2% 的通膨率"),
    (_r(r"in recent months, there has been (?P<how>modest|some) further progress toward "
        r"the committee'?s 2 percent inflation objective"),
     lambda m: ("近幾個月，通膨朝委員會 2% 的目標"
                + ("小幅" if m["how"].lower() == "modest" else "又") + "取得進一步進展")),
    (_r(r"the committee (?P<verb>is|remains) (?P<how>highly )?attentive to inflation risks"),
     lambda m: ("委員會" + ("仍" if m["verb"].lower() == "remains" else "")
                + ("高度" if m["how"] else "") + "關注通膨風險")),
    (_r(r"the committee is attentive to the risks to both sides of its dual mandate"
        r"(?: and judges that (?P<what>downside risks to employment|the risks of higher "
        r"unemployment and higher inflation) (?P<when>have risen|rose in recent months))?"),
     lambda m: ("委員會關注其雙重使命兩方面的風險"
                + (f"，並認為{_RISEN[m['what'].lower()]}"
                   f"{'近幾個月' if m['when'].lower().startswith('rose') else ''}已經升高"
                   if m["what"] else ""))),
    (_r(r"beginning in (?P<month>\w+), the committee will slow the pace of decline of its "
        r"securities holdings by reducing the monthly redemption cap on treasury securities "
        r"from \$(?P<old>\d+) billion to \$(?P<new>\d+) billion"),
     lambda m: (f"自 {MONTHS.get(m['month'].lower(), 0)} 月起，委員會將放慢縮表速度，美國公債"
                f"每月贖回上限由 {_yi(m['old'])}降至 {_yi(m['new'])}")),
    (_r(r"the committee will maintain the monthly redemption cap on agency debt and agency "
        r"mortgage-backed securities at \$(?P<cap>\d+) billion"),
     lambda m: f"委員會將機構債與機構 MBS 的每月贖回上限維持在 {_yi(m['cap'])}"),
    (_r(r"the committee judges that reserve balances have declined to ample levels and will "
        r"initiate purchases of shorter-term treasury securities as needed to maintain an "
        r"ample supply of reserves on an ongoing basis"),
     lambda m: ("委員會認為準備金餘額已降至充足水準，將視需要開始購買短期公債，以持續維持"
                "充足的準備金（準備金管理購債，並非量化寬鬆）")),
    (_r(r"the implications for the u\.s\. economy are highly uncertain"),
     lambda m: "對美國經濟的影響高度不確定"),
    (_r(r"tighter financial and credit conditions for households and businesses are likely "
        r"to weigh on economic activity, hiring, and inflation"),
     lambda m: "家庭與企業面臨的金融與信貸條件趨緊，可能壓抑經濟活動、招聘與通膨"),
    (_r(r"the extent of these effects remains uncertain"),
     lambda m: "這些影響的程度仍不確定"),
    (_r(r"the committee will continue to assess additional information and its "
        r"implications for monetary policy"),
     lambda m: "委員會將持續評估更多資訊及其對貨幣政策的影響"),
    (_r(r"in determining (?P<what>the extent of additional policy firming that may be "
        r"appropriate to return inflation to 2 percent over time|the pace of future increases "
        r"in the target range|the extent of future increases in the target range), the "
        r"committee will take into account the cumulative tightening of monetary policy, the "
        r"lags with which monetary policy affects economic activity and inflation, and "
        r"economic and financial developments"),
     lambda m: (f"在決定{_starting(_DETERMINING, m['what'])}時，委員會將考量貨幣政策的"
                "累積緊縮效果、貨幣政策影響經濟活動與通膨的時間落差，以及經濟與金融情勢發展")),
    (_r(r"(?:russia'?s war against ukraine|the invasion of ukraine by russia) is causing "
        r"tremendous human and economic hardship"),
     lambda m: "俄羅斯對烏克蘭的戰爭正造成巨大的人道與經濟損失"),
    (_r(r"inflation remains elevated, reflecting supply and demand imbalances related to the "
        r"pandemic, higher (?P<food>food and )?energy prices, and broader price pressures"),
     lambda m: ("通膨仍處高檔，反映疫情相關的供需失衡、" + ("食品與" if m["food"] else "")
                + "能源價格上漲，以及更廣泛的物價壓力")),
    (_r(r"the war and related events are (?P<how>creating additional|contributing to) upward "
        r"pressure on inflation and are weighing on global economic activity"),
     lambda m: ("戰爭及相關事件正" + ("進一步" if m["how"].lower().startswith("creating")
                                    else "") + "推升通膨，並拖累全球經濟活動")),
    (_r(r"the committee'?s assessments will take into account a wide range of information, "
        r"including readings on (?P<health>public health, )?labor market conditions, "
        r"inflation pressures and inflation expectations, and financial and international "
        r"developments"),
     lambda m: ("委員會的評估將考量廣泛的資訊，包括" + ("公共衛生、" if m["health"] else "")
                + "就業市場狀況、通膨壓力與通膨預期，以及金融與國際情勢發展")),
    (_r(r"recent indicators point to modest growth in spending and production"),
     lambda m: "近期指標顯示支出與生產小幅成長"),
    (_r(r"the committee anticipates that ongoing increases in the target range will be "
        r"appropriate in order to attain a stance of monetary policy that is sufficiently "
        r"restrictive to return inflation to 2 percent over time"),
     lambda m: "委員會預期持續升息將是適當的，以使貨幣政策立場足夠緊縮，讓通膨逐步回到 2%"),
    (_r(r"the committee anticipates that some additional policy firming may be appropriate "
        r"in order to attain a stance of monetary policy that is sufficiently restrictive to "
        r"return inflation to 2 percent over time"),
     lambda m: ("委員會預期可能還需要進一步緊縮政策，以使貨幣政策立場足夠緊縮，"
                "讓通膨逐步回到 2%")),
    (_r(r"in assessing the appropriate stance of monetary policy, the committee will "
        r"continue to monitor the implications of incoming information for the economic "
        r"outlook"),
     lambda m: "在評估適當的貨幣政策立場時，委員會將持續關注新資訊對經濟前景的影響"),
    (_r(r"the committee would be prepared to adjust the stance of monetary policy as "
        r"appropriate if risks emerge that could impede the attainment of the committee'?s "
        r"goals"),
     lambda m: "若出現可能妨礙實現委員會目標的風險，委員會將準備適當調整貨幣政策立場"),
    (_r(r"the stance of monetary policy remains accommodative, thereby supporting (?P<what>"
        r"strong labor market conditions|some further strengthening in labor market "
        r"conditions|further improvement in labor market conditions) and a (?P<sus>sustained "
        r")?return to 2 percent inflation"),
     lambda m: ("貨幣政策立場仍屬寬鬆，從而支撐"
                + _starting(_SUPPORTING, m["what"]) + "，並使通膨"
                + ("持續" if m["sus"] else "") + "回到 2%")),
    (_r(r"the committee continues to monitor inflation developments closely"),
     lambda m: "委員會持續密切關注通膨發展"),
    (_r(r"consistent with its statutory mandate, the committee seeks to foster maximum "
        r"employment and price stability"),
     lambda m: "依其法定職責，委員會致力於實現充分就業與物價穩定"),
    (_r(r"the committee will (?:continue to )?closely monitor (?P<what>market conditions|"
        r"developments) and is prepared to adjust its plans as appropriate"),
     lambda m: ("委員會將密切關注" + ("市場狀況" if m["what"].lower().startswith("market")
                                 else "情勢發展") + "，並準備視需要調整其計畫")),
    (_r(r"in determining the timing and size of future adjustments to the target range for "
        r"the federal funds rate, the committee will assess realized and expected economic "
        r"conditions relative to (?:its maximum employment objective and its (?P<sym>symmetric)"
        r" 2 percent inflation objective|its objectives of maximum employment and 2 percent "
        r"inflation)"),
     lambda m: ("在決定未來調整聯邦基金利率目標區間的時機與幅度時，委員會將對照其充分就業目標與"
                + ("對稱的 " if m["sym"] else " ") + "2% 通膨目標，評估實際與預期的經濟狀況")),
    (_r(r"this assessment will take into account a wide range of information, including "
        r"measures of labor market conditions, indicators of inflation pressures and "
        r"inflation expectations, and readings on financial (?P<intl>and international )?"
        r"developments"),
     lambda m: ("此評估將考量廣泛的資訊，包括就業市場狀況指標、通膨壓力與通膨預期指標，以及"
                + ("金融與國際" if m["intl"] else "金融") + "情勢發展")),
    (_r(r"the committee continues to view sustained expansion of economic activity, strong "
        r"labor market conditions,? and inflation near the committee'?s symmetric 2 percent "
        r"objective as the most likely outcomes(?P<but>, but uncertainties about this outlook "
        r"have increased)?"),
     lambda m: ("委員會仍認為，經濟活動持續擴張、就業市場強勁，以及通膨接近委員會對稱的 2% "
                "目標是最可能的結果" + ("，但這一前景的不確定性已經升高" if m["but"] else ""))),
    (_r(r"the committee judges that the current stance of monetary policy is appropriate to "
        r"support sustained expansion of economic activity, strong labor market conditions,? "
        r"and inflation near the committee'?s symmetric 2 percent objective"),
     lambda m: ("委員會認為，目前的貨幣政策立場適當，可支撐經濟活動持續擴張、就業市場強勁，"
                "以及通膨接近委員會對稱的 2% 目標")),
    (_r(r"the committee will continue to monitor the implications of incoming information "
        r"for the economic outlook"),
     lambda m: "委員會將持續關注新資訊對經濟前景的影響"),
    (_r(r"the committee will carefully monitor actual and expected inflation developments "
        r"relative to its symmetric inflation goal"),
     lambda m: "委員會將審慎關注實際與預期的通膨發展，對照其對稱的通膨目標"),
    (_r(r"the committee expects that further gradual increases in the target range for the "
        r"federal funds rate will be consistent with sustained expansion of economic "
        r"activity, strong labor market conditions, and inflation near the committee'?s "
        r"symmetric 2 percent objective over the medium term"),
     lambda m: ("委員會預期，進一步逐步調高聯邦基金利率目標區間，將與經濟活動持續擴張、"
                "就業市場強勁，以及通膨在中期接近委員會對稱的 2% 目標相符")),
    (_r(r"the committee will act as appropriate to sustain the expansion"),
     lambda m: "委員會將採取適當行動以維持經濟擴張"),
    # 2019-2022 formulas (guidance, financial conditions, the outlook's risks)
    (_r(r"the committee will continue to monitor the implications of incoming information "
        r"for the economic outlook(?P<incl>, including global developments and muted "
        r"inflation pressures,)? as it assesses the appropriate path of the target range for "
        r"the federal funds rate"),
     lambda m: ("委員會將持續關注新資訊對經濟前景的影響"
                + ("（包括全球情勢發展與低迷的通膨壓力）" if m["incl"] else "")
                + "，據以評估聯邦基金利率目標區間的適當路徑")),
    (_r(r"(?P<near>near-term )?risks to the economic outlook appear roughly balanced"
        r"(?P<but>, but the committee is monitoring inflation developments closely)?"),
     lambda m: (("短期內" if m["near"] else "") + "經濟前景的風險看來大致平衡"
                + ("，但委員會正密切關注通膨發展" if m["but"] else ""))),
    # 2013-2018 formulas that stayed for many meetings
    (_r(r"the committee is maintaining its existing policy of reinvesting principal payments "
        r"from its holdings of agency debt and agency mortgage-backed securities in agency "
        r"mortgage-backed securities(?P<roll> and of rolling over maturing treasury securities "
        r"at auction)?(?P<until>, and it anticipates doing so until normalization of the "
        r"level of the federal funds rate is well under way)?"),
     lambda m: ("委員會維持現行政策，將所持機構債與機構 MBS 的本金償還再投資於機構 MBS"
                + ("，並在標售時展期到期的美國公債" if m["roll"] else "")
                + ("，並預期持續如此，直到聯邦基金利率水準的正常化順利進行" if m["until"]
                   else ""))),
    (_r(r"when the committee decides to begin to remove policy accommodation, it will take a "
        r"balanced approach consistent with its longer-run goals of maximum employment and "
        r"inflation of 2 percent"),
     lambda m: ("委員會決定開始撤除政策寬鬆時，將採取與其充分就業及 2% 通膨之長期目標一致的"
                "平衡做法")),
    (_r(r"this policy, by keeping the committee'?s holdings of longer-term securities at "
        r"sizable levels, should help maintain accommodative financial conditions"),
     lambda m: "此政策使委員會持有的長期證券維持在相當規模，應有助於維持寬鬆的金融狀況"),
    (_r(r"however, the actual path of the federal funds rate will depend on the economic "
        r"outlook as informed by incoming data"),
     lambda m: "然而，聯邦基金利率的實際路徑將取決於新數據所顯示的經濟前景"),
    (_r(r"the committee currently anticipates that, even after employment and inflation are "
        r"near mandate-consistent levels, economic conditions may, for some time, warrant "
        r"keeping the target federal funds rate below levels the committee views as normal "
        r"in the longer run"),
     lambda m: ("委員會目前預期，即使就業與通膨已接近符合其職責的水準，經濟狀況仍可能在一段"
                "時間內需要將聯邦基金利率目標維持在低於委員會認為長期正常的水準")),
    (_r(r"the committee expects that economic conditions will evolve in a manner that will "
        r"warrant (?P<only>only )?gradual increases in the federal funds rate; the federal "
        r"funds rate is likely to remain, for some time, below levels that are expected to "
        r"prevail in the longer run"),
     lambda m: ("委員會預期，經濟情勢的演變將使聯邦基金利率" + ("僅" if m["only"] else "")
                + "宜逐步調升；聯邦基金利率可能在一段時間內仍低於預期的長期水準")),
    (_r(r"the committee continues to closely monitor inflation indicators and global economic "
        r"and financial developments"),
     lambda m: "委員會持續密切關注通膨指標以及全球經濟與金融情勢發展"),
    (_r(r"in light of the current shortfall of inflation from 2 percent, the committee will "
        r"carefully monitor actual and expected progress toward its inflation goal"),
     lambda m: "鑒於目前通膨仍低於 2%，委員會將審慎關注朝通膨目標的實際與預期進展"),
    (_r(r"the committee (?P<still>continues to see|sees) the risks to the outlook for economic "
        r"activity and the labor market as nearly balanced(?P<but> but is monitoring "
        r"(?P<what>developments abroad|global economic and financial developments))?"),
     lambda m: ("委員會" + ("仍" if m["still"].lower().startswith("continues") else "")
                + "認為經濟活動與就業市場前景的風險接近平衡"
                + (("，但正關注" + ("海外情勢發展" if m["what"].lower() == "developments abroad"
                                   else "全球經濟與金融情勢發展")) if m["but"] else ""))),
    (_r(r"the committee will closely monitor incoming information on economic and financial "
        r"developments in coming months"),
     lambda m: "委員會將在未來幾個月密切關注經濟與金融情勢的新資訊"),
    (_r(r"the committee anticipates that it will be appropriate to raise the target range for "
        r"the federal funds rate when it has seen (?P<some>some )?further improvement in the "
        r"labor market and is reasonably confident that inflation will move back to its 2 "
        r"percent objective over the medium term"),
     lambda m: ("委員會預期，待就業市場" + ("再有" if m["some"] else "")
                + "進一步改善，且有合理信心通膨將在中期回到 2% 的目標時，調高聯邦基金利率目標區間"
                "將是適當的")),
    (_r(r"the committee expects to maintain an accommodative stance of monetary policy until "
        r"these outcomes are achieved"),
     lambda m: "委員會預期將維持寬鬆的貨幣政策立場，直到達成這些結果"),
    (_r(r"overall financial conditions (?P<how>remain accommodative|have improved in recent "
        r"months), in part reflecting policy measures to support the economy and the flow of "
        r"credit to u\.s\. households and businesses"),
     lambda m: ("整體金融狀況" + ("仍屬寬鬆" if m["how"].lower().startswith("remain")
                               else "近幾個月已有改善")
                + "，部分反映支持經濟及美國家庭與企業信貸流通的政策措施")),
    (_r(r"with appropriate firming in the stance of monetary policy, the committee expects "
        r"inflation to return to its 2 percent objective and the labor market to remain "
        r"strong"),
     lambda m: "在適當收緊貨幣政策立場下，委員會預期通膨將回到 2% 的目標，就業市場將保持強勁"),
)

# --- clauses -----------------------------------------------------------------------------
_PREDICATES = tuple((re.compile(p, re.I), zh) for p, zh in PREDICATES)
_OPENER = re.compile(r"(?:information received since the (?:federal open market )?committee "
                     r"met in \w+ (?:indicates|suggests)|(?:recent|available) indicators "
                     r"(?:suggest|point to|indicate)|indicators suggest) that (?P<rest>.+)",
                     re.I)
_SEPARATORS = re.compile(r"(,? but |, and | and that |; |, while | while |, although )",
                         re.I)
_JOINS = {"but": "，但", "and": "，", "and that": "，", ";": "；", "while": "，而",
          "although": "，儘管"}


def _predicate(text: str) -> str | None:
    for reason, zh in REASONS.items():  # "..., largely as a result of ...": said after
        if text.lower().endswith(", " + reason):
            inner = _predicate(text[: -len(reason) - 2])
            return None if inner is None else f"{inner}，{zh}"
    time_zh = ""
    for phrase, zh in TIMES.items():  # a time phrase at the end: said first in Chinese
        if text.lower().endswith(" " + phrase) or text.lower().endswith(", " + phrase):
            candidate = text[: -len(phrase)].rstrip(" ,")
            inner = _predicate(candidate)
            if inner is not None:
                return zh + inner
    for pattern, zh in reversed(_PREDICATES):  # the most specific (last) first
        match = pattern.fullmatch(text)
        if match:
            words = match.groupdict()
            pace = _PACES.get((words.get("pace") or "").lower(), "")
            level = LEVEL_WORDS.get((words.get("level") or "").lower(), "")
            month = MONTHS.get((words.get("month") or "").lower())
            if ("pace" in words and not pace) or ("level" in words and not level) or \
                    ("month" in words and not month):
                continue
            return time_zh + zh.format(pace=pace, level=level, month=f" {month} ")
    return None


def _clause(text: str, subject_zh: str | None) -> tuple[str, str | None] | None:
    """A clause as Chinese, and its subject (a clause without one continues the last)."""
    text = text.strip().rstrip(".").strip()
    if not text:
        return None
    lead = ""
    for phrase, zh in TIMES.items():  # a time phrase at the start
        if text.lower().startswith(phrase + ", "):
            lead, text = zh + "，", text[len(phrase) + 2:]
            break
    if text.lower().startswith("nonetheless, "):
        lead, text = lead + "儘管如此，", text[len("nonetheless, "):]
    for subject in sorted(SUBJECTS, key=len, reverse=True):
        if text.lower().startswith(subject + " "):
            said = _predicate(text[len(subject) + 1:])
            if said is not None:
                return lead + SUBJECTS[subject] + said, SUBJECTS[subject]
    if subject_zh is not None:  # "... but remain strong"
        said = _predicate(text)
        if said is not None:
            return lead + said, subject_zh
    return None


def _formula(text: str) -> str | None:
    for pattern, write in SENTENCES:
        match = pattern.fullmatch(text)
        if match:
            return write(match)
    return None


def translate(sentence: str) -> str | None:
    """The sentence in Traditional Chinese, or None when any part of it is not known (and
    never an exception: an alert must go out whatever the phrasebook makes of a page)."""
    try:
        return _translate(sentence)
    except (KeyError, ValueError, IndexError, StopIteration, ZeroDivisionError):
        log.debug("phrasebook: could not say %r", sentence[:80], exc_info=True)
        return None


def _translate(sentence: str) -> str | None:
    text = " ".join(sentence.split()).rstrip(".").strip()
    if not text:
        return None
    whole = _formula(text)
    if whole is not None:
        return whole + "。"
    although = re.fullmatch(r"although (?P<given>[^,]+), (?P<main>.+)", text, re.I)
    if although:  # "Although A, B": both parts known, or nothing said
        given, main = _translate(although["given"]), _translate(although["main"])
        if given is None or main is None:
            return None
        return f"儘管{given.rstrip('。')}，{main}"
    prefix = ""
    opener = _OPENER.fullmatch(text)
    if opener:
        prefix, text = "近期指標顯示，", opener["rest"]
    pieces = _SEPARATORS.split(text)
    out, subject = [], None
    for index in range(0, len(pieces), 2):
        joined = pieces[index - 1].strip(" ,").lower() if index else ""
        said = _clause(pieces[index], subject)
        if said is None:
            # a clause of the sentence-level kind ("the Committee remains ... attentive")
            formula = _formula(pieces[index].strip().rstrip("."))
            if formula is None:
                return None
            out.append((_JOINS.get(joined, "，") if index else "") + formula)
            continue
        zh, subject = said
        out.append((_JOINS.get(joined, "，") if index else "") + zh)
    return prefix + "".join(out) + "。"
