"""What changed, first and in Chinese: the ranking of a statement's changes and the
offline phrasebook, on real statements (tests/fixtures/fomc)."""

import re
from pathlib import Path

import pytest

from bot.domain.chats import Language
from bot.render.formatting import Formatter
from bot.topics.fomc.changes import is_trivial, ranked, say
from bot.topics.fomc.events import StatementChange
from bot.topics.fomc.phrasebook import translate
from bot.topics.fomc.statement import diff_statements, statement_sentences

FIXTURES = Path(__file__).parent / "fixtures/fomc"
ZH, EN = Formatter(Language.ZH_HANT), Formatter(Language.EN)
ENGLISH_WORDS = re.compile(r"[A-Za-z]{2,}(?:\s+[A-Za-z]{2,}){2,}")  # three English words


def changes_between(before: str, after: str) -> tuple[StatementChange, ...]:
    old = statement_sentences((FIXTURES / f"{before}.txt").read_text())
    new = statement_sentences((FIXTURES / f"{after}.txt").read_text())
    return tuple(diff_statements(list(old), list(new))[0])


def test_the_policy_change_leads_and_is_said_in_chinese():
    """January 2024: the tightening bias dropped and "no cut until greater confidence"
    added; two description edits and the opener must not lead."""
    worth = ranked(changes_between("2023-11-01", "2024-01-31"))
    first = worth[0]
    assert first.kind == "guidance" and first.change.op == "added"
    assert "reduce the target range until" in first.change.after
    line = say(first, ZH)
    assert line.startswith("前瞻指引（新增）：") and "不宜調降目標區間" in line
    assert "Guidance (new)" in say(first, EN)
    assert [item.kind for item in worth[:3]] == ["guidance"] * 3


@pytest.mark.parametrize(("before", "after"), [
    ("2023-11-01", "2024-01-31"), ("2024-11-07", "2024-12-18"), ("2022-03-16", "2022-05-04"),
    ("2019-10-30", "2020-03-03"), ("2013-10-30", "2013-12-18"), ("2021-11-03", "2022-03-16"),
])
def test_the_chinese_lines_hold_no_english_sentence(before, after):
    for item in ranked(changes_between(before, after), with_decision=True):
        line = say(item, ZH)
        assert not ENGLISH_WORDS.search(line), line


def test_the_openers_month_and_a_renamed_pronoun_are_no_change():
    opener = StatementChange(
        op="changed",
        before="Information received since the Federal Open Market Committee met in July "
               "indicates that the labor market has continued to strengthen.",
        after="Information received since the Federal Open Market Committee met in "
              "September indicates that the labor market has continued to strengthen.")
    goals = StatementChange(op="changed", before="In support of these goals, the Committee "
                            "will continue to assess.", after="In support of its goals, the "
                            "Committee will continue to assess.")
    assert is_trivial(opener) and is_trivial(goals)
    assert ranked((opener, goals)) == []


def test_the_decision_sentence_is_the_headline_not_a_change():
    change = StatementChange(
        op="changed",
        before="In support of its goals, the Committee decided to maintain the target range "
               "for the federal funds rate at 4-1/4 to 4-1/2 percent.",
        after="In support of its goals, the Committee decided to lower the target range for "
              "the federal funds rate by 1/4 percentage point to 4 to 4-1/4 percent.")
    assert ranked((change,)) == []
    [full] = ranked((change,), with_decision=True)
    assert "調降 25 個基點至 4.00%–4.25%" in say(full, ZH)


@pytest.mark.parametrize(("english", "chinese"), [
    ("Job gains have moderated since early last year but remain strong, and the "
     "unemployment rate has remained low.", "新增就業自去年初以來放緩，但仍強勁，失業率維持低檔。"),
    ("Inflation has eased over the past year but remains elevated.",
     "通膨在過去一年有所緩和，但仍處高檔。"),
    ("The Committee judges that the risks to achieving its employment and inflation goals "
     "are roughly in balance.", "委員會認為，實現就業與通膨目標的風險大致平衡。"),
    ("In addition, the Committee will continue reducing its holdings of Treasury securities "
     "and agency debt and agency mortgage-backed securities.",
     "委員會將繼續縮減其持有的美國公債、機構債與機構不動產抵押貸款證券（MBS）。"),
    ("Beginning in April, the Committee will slow the pace of decline of its securities "
     "holdings by reducing the monthly redemption cap on Treasury securities from $25 "
     "billion to $5 billion.",
     "自 4 月起，委員會將放慢縮表速度，美國公債每月贖回上限由 250 億美元降至 50 億美元。"),
    ("Overall financial conditions remain accommodative, in part reflecting policy measures "
     "to support the economy and the flow of credit to U.S. households and businesses.",
     "整體金融狀況仍屬寬鬆，部分反映支持經濟及美國家庭與企業信貸流通的政策措施。"),
    ("With appropriate firming in the stance of monetary policy, the Committee expects "
     "inflation to return to its 2 percent objective and the labor market to remain strong.",
     "在適當收緊貨幣政策立場下，委員會預期通膨將回到 2% 的目標，就業市場將保持強勁。"),
    ("Although market-based measures of inflation compensation have moved lower in recent "
     "months, survey-based measures of longer-term inflation expectations are little changed.",
     "儘管市場型通膨補償指標近幾個月下降，調查型長期通膨預期指標大致持平。"),
    ("On a 12-month basis, overall inflation has declined, largely as a result of lower "
     "energy prices; inflation for items other than food and energy remains near 2 percent.",
     "以 12 個月計，整體通膨下降，主要由於能源價格下跌；扣除食品和能源的通膨仍接近 2%。"),
    ("The Committee expects that economic conditions will evolve in a manner that will "
     "warrant only gradual increases in the federal funds rate; the federal funds rate is "
     "likely to remain, for some time, below levels that are expected to prevail in the "
     "longer run.", "委員會預期，經濟情勢的演變將使聯邦基金利率僅宜逐步調升；聯邦基金利率可能"
     "在一段時間內仍低於預期的長期水準。"),
    # said as written: no "symmetric" before the Fed wrote it (2018)
    ("In determining the timing and size of future adjustments to the target range for the "
     "federal funds rate, the Committee will assess realized and expected economic conditions "
     "relative to its objectives of maximum employment and 2 percent inflation.",
     "在決定未來調整聯邦基金利率目標區間的時機與幅度時，委員會將對照其充分就業目標與 2% "
     "通膨目標，評估實際與預期的經濟狀況。"),
])
def test_known_formulas_in_taiwan_usage(english, chinese):
    assert translate(english) == chinese


@pytest.mark.parametrize("english", [
    "Although the Committee is sure, inflation is low.",  # one part unknown: nothing said
    "Inflation has eased somewhat, reflecting transitory factors.",  # a clause it does not know
    "The path of the economy will depend significantly on the course of the virus.",
    "Job gains have slowed, and tariffs are weighing on the outlook.",
    "",
])
def test_a_sentence_with_any_unknown_part_is_not_translated(english):
    assert translate(english) is None


def test_an_untranslated_change_says_what_it_is_about_in_chinese():
    change = StatementChange(op="added", after="The path of the economy will depend "
                             "significantly on the course of the virus.")
    [item] = ranked((change,))
    assert say(item, ZH) == "經濟活動：新增一句。"


def test_wrapped_lines_are_the_same_sentence():
    folded = ("Inflation has eased over the past\nyear but remains\n  elevated.")
    assert translate(folded) == "通膨在過去一年有所緩和，但仍處高檔。"
