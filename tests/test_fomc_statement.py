"""The statement parser on its own fixtures (real statements, every era's wording)."""

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from bot.topics.fomc.statement import (
    StatementParseError,
    TargetRangeHistory,
    diff_statements,
    normalize_text,
    parse_bound,
    parse_range_text,
    parse_statement,
    policy_sentences,
    read_document,
    split_sentences,
)
from tests.helpers import action_without_a_rate_decision

FIXTURES = Path(__file__).parent / "fixtures" / "fomc"
HISTORY = TargetRangeHistory.packaged()

# date: decision, change_bps, low, high, dissenters
EXPECTED = {
    "2008-12-16": ("cut", -75, "0.00", "0.25", []),
    "2014-03-19": ("hold", 0, "0.00", "0.25", ["Narayana Kocherlakota"]),
    "2014-09-17": ("hold", 0, "0.00", "0.25", ["Richard W. Fisher", "Charles I. Plosser"]),
    "2016-03-16": ("hold", 0, "0.25", "0.50", ["Esther L. George"]),
    "2017-09-20": ("hold", 0, "1.00", "1.25", []),
    "2019-10-30": ("cut", -25, "1.50", "1.75", ["Esther L. George", "Eric S. Rosengren"]),
    "2020-03-03": ("cut", -50, "1.00", "1.25", []),
    "2020-03-15": ("cut", -100, "0.00", "0.25", ["Loretta J. Mester"]),
    "2021-11-03": ("hold", 0, "0.00", "0.25", []),
    "2022-07-27": ("hike", 75, "2.25", "2.50", []),
    "2024-11-07": ("cut", -25, "4.50", "4.75", []),
    "2024-12-18": ("cut", -25, "4.25", "4.50", ["Beth M. Hammack"]),
    "2025-03-19": ("hold", 0, "4.25", "4.50", ["Christopher J. Waller"]),
    "2025-12-10": ("cut", -25, "3.50", "3.75",
                   ["Stephen I. Miran", "Austan D. Goolsbee", "Jeffrey R. Schmid"]),
}


def load(day: str) -> str:
    return (FIXTURES / f"{day}.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("day", sorted(EXPECTED))
def test_every_era(day):
    decision, change, low, high, dissenters = EXPECTED[day]
    parsed = parse_statement(load(day), history=HISTORY, statement_date=date.fromisoformat(day))
    assert parsed.decision == decision
    assert parsed.change_bps == change
    assert (parsed.target_low, parsed.target_high) == (Decimal(low), Decimal(high))
    assert [d.name for d in parsed.dissenters] == dissenters


def test_unstated_size_comes_from_the_previous_range_beyond_the_history():
    # a 2015-2023 style hike ("raise ... to X") on a date the history does not reach
    text = load("2022-07-27").replace("July 27, 2022", "July 28, 2027")
    parsed = parse_statement(text, previous_range=(Decimal("1.50"), Decimal("1.75")),
                             history=HISTORY)
    assert parsed.date == date(2027, 7, 28)
    assert (parsed.decision, parsed.change_bps) == ("hike", 75)
    unknown = parse_statement(text, history=HISTORY)
    assert (unknown.decision, unknown.change_bps) == ("hike", None)


def test_dissent_preferences():
    parsed = parse_statement(load("2025-12-10"), history=HISTORY,
                             statement_date=date(2025, 12, 10))
    wanted = {d.name: (d.preferred_change_bps, d.about) for d in parsed.dissenters}
    assert wanted == {"Stephen I. Miran": (-50, "rate"), "Austan D. Goolsbee": (0, "rate"),
                      "Jeffrey R. Schmid": (0, "rate")}
    waller = parse_statement(load("2025-03-19")).dissenters[0]
    assert waller.about == "runoff_keep_pace"  # "preferred to continue the current pace"
    george = parse_statement(load("2016-03-16"), history=HISTORY,
                             statement_date=date(2016, 3, 16)).dissenters[0]
    assert (george.preferred_change_bps, george.about) == (25, "rate")
    mester = parse_statement(load("2020-03-15"), history=HISTORY,
                             statement_date=date(2020, 3, 15)).dissenters[0]
    assert mester.preferred_change_bps == -50  # 1-1/4 -> 1/2-3/4


def test_votes():
    assert parse_statement(load("2025-03-19")).votes_for == 11
    assert parse_statement(load("2025-12-10")).votes_for == 9


@pytest.mark.parametrize("day,kind,detail", [
    ("2025-03-19", "cap_change", ("treasury", "25", "5", "2025-04-01")),
    ("2017-09-20", "runoff_start", None),
    ("2021-11-03", "taper", None),
    ("2020-03-15", "purchases", None),
    ("2025-12-10", "reserve_management_purchases", None),
])
def test_balance_sheet_actions(day, kind, detail):
    parsed = parse_statement(load(day), statement_date=date.fromisoformat(day))
    kinds = [a.kind for a in parsed.balance_sheet]
    assert kinds == [kind]
    if detail:
        action = parsed.balance_sheet[0]
        assert (action.asset, str(action.from_billions), str(action.to_billions),
                str(action.effective)) == detail


def test_boilerplate_is_not_a_balance_sheet_change():
    for day in ("2024-11-07", "2024-12-18", "2022-07-27", "2014-09-17"):
        kinds = [a.kind for a in parse_statement(load(day)).balance_sheet]
        assert "cap_change" not in kinds and "runoff_start" not in kinds, day


def test_hyphens_spaces_and_mojibake():
    assert parse_bound("3\u20113/4".replace("\u2011", "-")) == Decimal("3.75")
    text = normalize_text("4\u20111/4\u00a0to 4\u00e2\u0080\u00911/2 percent")
    assert text == "4-1/4 to 4-1/2 percent"
    mixed = ("The Committee decided to lower the target range for the federal funds rate "
             "by 1/4 percentage point to 1-1/4 to 1\u20111/2\u00a0percent. Voting for the "
             "monetary policy action were A. Person.")
    parsed = parse_statement(mixed)
    assert (parsed.target_low, parsed.target_high, parsed.change_bps) == (
        Decimal("1.25"), Decimal("1.50"), -25)


def test_decoys_are_not_read_as_the_range():
    text = ("Voting against the action was Jane Q. Doe, who preferred to maintain the target "
            "range for the federal funds rate at 4-1/2 to 4-3/4 percent. "
            "The Board approved a 75-basis-point decrease in the discount rate to 1/2 percent. "
            "The Committee anticipates that the unemployment rate remains above 6-1/2 percent "
            "and inflation near its 2 percent objective. "
            "In support of its goals, the Committee decided to lower the target range for the "
            "federal funds rate by 1/4 percentage point to 4-1/4 to 4-1/2 percent.")
    parsed = parse_statement(text)
    assert (parsed.target_low, parsed.target_high) == (Decimal("4.25"), Decimal("4.50"))


def test_not_a_statement():
    with pytest.raises(StatementParseError):
        parse_statement("Minutes of the Federal Open Market Committee. Participants met.")
    with pytest.raises(StatementParseError):
        parse_statement("")


def test_sentences_keep_initials_and_us():
    sentences = split_sentences("Voting against was Esther L. George. The U.S. economy grew. "
                                "Done.")
    assert sentences == ["Voting against was Esther L. George.", "The U.S. economy grew.",
                         "Done."]


def test_statement_diff():
    old = policy_sentences(read_document(load("2024-12-18")).body)
    new = policy_sentences(read_document(load("2025-03-19")).body)
    changes, unchanged = diff_statements(old, new)
    ops = {c.op for c in changes}
    assert "changed" in ops and unchanged > 0
    assert any("Uncertainty around the economic outlook has increased" in (c.after or "")
               for c in changes)
    assert diff_statements(new, new) == ([], len(new))


@pytest.mark.parametrize("text,expected", [
    ("4.25-4.50", ("4.25", "4.50")), ("425-450", ("4.25", "4.50")),
    ("4-1/4 to 4-1/2", ("4.25", "4.50")), ("0-0.25", ("0.00", "0.25")),
    ("4.25%-4.50%", ("4.25", "4.50")),
])
def test_range_text(text, expected):
    low, high = parse_range_text(text)
    assert (str(low), str(high)) == expected


def test_html_page():
    html = (Path(__file__).parent / "fixtures/fed/monetary20250319a.htm").read_text()
    document = read_document(html)
    assert document.title == "Federal Reserve issues FOMC statement"
    assert document.date == date(2025, 3, 19)
    assert "media inquiries" not in document.body and "Implementation Note" not in document.body
    parsed = parse_statement(html, require_complete=True)
    assert parsed.release_line == "For release at 2:00 p.m. EDT"
    assert (parsed.decision, parsed.votes_for, parsed.dissents) == ("hold", 11, 1)


@pytest.mark.parametrize("garbled", ["3-1/4 to 3-1/2", "4-1/4 to 4-3/4", "4-1/4 to 4-1/4",
                                     "4-1/2 to 4-3/4", "4 to 4-1/4"])
def test_a_garbled_range_gives_no_decision(garbled):
    """"maintain" with a range that is not the previous one, or not 25 bp wide: no alert."""
    from tests.servers import fed_fixture

    page = fed_fixture("monetary20250319a.htm").decode()
    assert "4-1/4 to 4-1/2" in page
    good = parse_statement(page, previous_range=(Decimal("4.25"), Decimal("4.50")),
                           require_complete=True)
    assert good.decision == "hold"
    with pytest.raises(StatementParseError):
        parse_statement(page.replace("4-1/4 to 4-1/2", garbled),
                        previous_range=(Decimal("4.25"), Decimal("4.50")),
                        require_complete=True)


# Dissent reasons only as far as the statement's words go ------------------------------
@pytest.mark.parametrize(("day", "topics"), [
    ("2010-11-03", {"Thomas M. Hoenig": "purchases_against"}),  # not "runoff": no runoff
    ("2012-09-13", {"Jeffrey M. Lacker": "purchases_against"}),
    ("2020-09-16", {"Robert S. Kaplan": "forward_guidance",  # a hold: not "no change"
                    "Neel Kashkari": "forward_guidance"}),
    ("2014-09-17", {"Richard W. Fisher": "forward_guidance",
                    "Charles I. Plosser": "forward_guidance"}),
    ("2011-09-21", {"Richard W. Fisher": "accommodation_against",
                    "Narayana Kocherlakota": "accommodation_against",
                    "Charles I. Plosser": "accommodation_against"}),
    ("2013-10-30", {"Esther L. George": "accommodation_concern"}),
])
def test_dissent_topics_follow_the_statement(day, topics):
    parsed = parse_statement(load(day), history=HISTORY, statement_date=date.fromisoformat(day))
    assert {d.name: d.about for d in parsed.dissenters} == topics
    assert all(d.preferred_change_bps is None for d in parsed.dissenters)


def test_each_dissenter_keeps_their_own_reason():
    fisher, plosser = parse_statement(load("2014-09-17")).dissenters
    assert fisher.preferred.startswith("believed that the continued strengthening")
    assert plosser.preferred.startswith("objected to the guidance")


def test_dissent_wording_in_both_languages():
    from bot.domain.chats import Language
    from bot.render.formatting import Formatter
    from bot.topics.fomc.render import _vote_line
    from bot.topics.fomc.watcher import build_event

    def build_event_for_tests(text: str, day: str):
        parsed = parse_statement(text, history=HISTORY, statement_date=date.fromisoformat(day))
        return build_event(parsed, url="https://www.federalreserve.gov/", late=False,
                           released_at=datetime(2020, 1, 1, tzinfo=UTC),
                           previous_sentences=None, unscheduled=False)

    for day, en_part, zh_part in (
        ("2010-11-03", "Thomas M. Hoenig (Kansas City Fed; opposed further asset purchases)",
         "堪薩斯城聯準銀行總裁霍尼格（Thomas M. Hoenig，反對進一步購債）"),
        ("2020-09-16", "Neel Kashkari (Minneapolis Fed; on the forward guidance)",
         "明尼亞波利聯準銀行總裁卡什卡利（Neel Kashkari，對前瞻指引持不同意見）"),
        ("2025-03-19", "Christopher J. Waller (preferred to keep the pace of runoff)",
         "理事華勒（Christopher J. Waller，主張維持縮表步調）"),
    ):
        event = build_event_for_tests(load(day), day)
        en = _vote_line(event, Formatter(Language.EN))
        zh = _vote_line(event, Formatter(Language.ZH_HANT))
        assert en_part in en and "dissented on" not in en and "no change" not in en
        assert zh_part in zh and "票贊成" in zh


# Balance-sheet amounts said for what they are --------------------------------------------
def _amounts(day: str) -> list[tuple]:
    parsed = parse_statement(load(day), statement_date=date.fromisoformat(day))
    return [(a.kind, m.asset, m.billions, m.per, m.change, m.was_billions, m.at_least,
             m.approximate, m.by) for a in parsed.balance_sheet for m in a.amounts]


def test_qe2_is_a_total_with_its_horizon_and_a_monthly_pace():
    assert _amounts("2010-11-03") == [
        ("purchases", "treasury", 600, "total", "level", None, False, False, date(2011, 6, 30)),
        ("purchases", "treasury", 75, "month", "level", None, False, True, None)]


def test_march_2020_purchases_are_totals_not_paces():
    assert _amounts("2020-03-15") == [
        ("purchases", "treasury", 500, "total", "level", None, True, False, None),
        ("purchases", "mbs", 200, "total", "level", None, True, False, None)]


def test_json_output_carries_the_amounts_as_text():
    """``fedalert parse fomc --json`` on a statement with amounts (nested Decimals)."""
    import json

    parsed = parse_statement(load("2010-11-03"), statement_date=date(2010, 11, 3))
    action = json.loads(json.dumps(parsed.as_json()))["balance_sheet"][0]
    assert action["kind"] == "purchases" and "sentence" not in action
    assert action["amounts"][0]["billions"] == "600"
    assert action["amounts"][0]["by"] == "2011-06-30"
    assert "was_billions" not in action["amounts"][0]


def test_taper_sizes():
    assert _amounts("2013-12-18") == [
        ("taper", "mbs", 35, "month", "level", 40, False, False, None),
        ("taper", "treasury", 40, "month", "level", 45, False, False, None)]
    assert _amounts("2021-11-03")[:2] == [
        ("taper", "treasury", 10, "month", "cut", None, False, False, None),
        ("taper", "mbs", 5, "month", "cut", None, False, False, None)]
    taper = parse_statement(load("2013-12-18"), statement_date=date(2013, 12, 18))
    assert taper.balance_sheet[0].effective == date(2014, 1, 1)
    assert taper.balance_sheet[0].effective_month_only


def test_amount_wording():
    from bot.domain.chats import Language
    from bot.render.formatting import Formatter
    from bot.topics.fomc.render import _balance_sheet_line

    qe2 = parse_statement(load("2010-11-03"), statement_date=date(2010, 11, 3)).balance_sheet[0]
    en = _balance_sheet_line(qe2, Formatter(Language.EN))
    assert "$600 billion of Treasury securities in total by the end of June 2011" in en
    assert "about $75 billion of Treasury securities a month" in en
    assert "$600 billion a month" not in en
    zh = _balance_sheet_line(qe2, Formatter(Language.ZH_HANT))
    assert "美國公債共 6,000 億美元，於 2011 年 6 月底前完成" in zh
    assert "美國公債每月約 750 億美元" in zh
    qe = parse_statement(load("2020-03-15"), statement_date=date(2020, 3, 15)).balance_sheet[0]
    assert "美國公債共至少 5,000 億美元" in _balance_sheet_line(qe, Formatter(Language.ZH_HANT))
    runoff = parse_statement(load("2022-05-04"), statement_date=date(2022, 5, 4)).balance_sheet[0]
    text = _balance_sheet_line(runoff, Formatter(Language.EN))
    assert text == ("Balance sheet: runoff begins (quantitative tightening, QT), effective "
                    "Jun 1, 2022; the monthly caps are in the plan published with the statement.")
    assert ") (" not in text


def _action_only(extra: str = "") -> str:
    """The 2020-03-15 statement's balance-sheet paragraph and vote, its rate sentences left
    out: the shape of an action without a rate decision (as on 2020-03-23)."""
    action, vote = action_without_a_rate_decision()
    return "\n\n".join(["March 15, 2020", action + extra, vote])


def test_an_action_without_a_rate_decision_keeps_the_range_and_says_so():
    parsed = parse_statement(_action_only(), previous_range=(Decimal("1.00"), Decimal("1.25")))
    assert (parsed.decision, parsed.change_bps, parsed.range_stated) == ("hold", 0, False)
    assert (parsed.target_low, parsed.target_high) == (Decimal("1.00"), Decimal("1.25"))
    assert [a.kind for a in parsed.balance_sheet] and parsed.as_json()["range_stated"] is False
    from bot.topics.fomc.watcher import build_event

    event = build_event(parsed, url="https://www.federalreserve.gov/", previous_sentences=None,
                        released_at=datetime(2020, 3, 15, 21, tzinfo=UTC), late=False,
                        unscheduled=True)
    from bot.domain.chats import Language
    from bot.render.formatting import Formatter
    from bot.topics.fomc.render import render

    english = render(event, Formatter(Language.EN), "America/New_York")
    chinese = render(event, Formatter(Language.ZH_HANT), "Asia/Taipei")
    assert english.title.endswith("FOMC statement: no rate decision; the target range stays "
                                  "at 1.00%–1.25%") and "held rates" not in english.lines[0]
    assert chinese.title.endswith("FOMC 會後聲明：未調整利率，目標區間仍為 1.00%–1.25%")
    # without a known range it says nothing; a text that speaks of the rate but has no
    # decision sentence is a garbled statement
    with pytest.raises(StatementParseError):
        parse_statement(_action_only())
    with pytest.raises(StatementParseError):
        parse_statement(_action_only(" The Committee expects to maintain this target range."),
                        previous_range=(Decimal("1.00"), Decimal("1.25")))


def _fold(text: str, width: int = 72) -> str:
    import textwrap

    return "\n\n".join("\n".join(textwrap.wrap(p, width)) for p in text.split("\n\n"))


@pytest.mark.parametrize("day", ["2013-12-18", "2014-09-17", "2019-10-30", "2024-11-07",
                                 "2025-03-19"])
def test_layout_is_not_meaning(day):
    """Folded at 72 columns, as text or inside <p> (a browser shows the breaks as spaces),
    a statement reads exactly as it does unfolded: decision, range, vote, dissents, text."""
    import html as htmlib

    from bot.topics.fomc.statement import TargetRangeHistory, parse_statement

    text = (Path(__file__).parent / f"fixtures/fomc/{day}.txt").read_text()
    history = TargetRangeHistory.packaged()

    def reading(raw):
        parsed = parse_statement(raw, history=history)
        return (parsed.decision, parsed.change_bps, parsed.target_low, parsed.target_high,
                parsed.votes_for, parsed.dissents, [d.name for d in parsed.dissenters],
                parsed.sentences)

    folded = _fold(text)
    paragraphs = folded.split("\n\n")
    page = ("<html><head><title>Federal Reserve issues FOMC statement</title></head><body>"
            "<div id='article'>" + "".join(
                f"<p class='article__time'>{htmlib.escape(p)}</p>" if n == 0 else
                f"<p>{htmlib.escape(p)}</p>\n" for n, p in enumerate(paragraphs)
                if not p.lower().startswith(("for release", "for immediate"))) +
            "</div></body></html>")
    assert reading(folded) == reading(text)
    assert reading(page) == reading(text)


def test_what_is_not_one_statement_is_refused():
    from bot.topics.fomc.statement import StatementParseError, parse_statement

    one = (Path(__file__).parent / "fixtures/fomc/2024-11-07.txt").read_text()
    with pytest.raises(StatementParseError, match="JSON"):
        parse_statement('{"date": "2024-11-07", "text": "..."}')
    with pytest.raises(StatementParseError, match="not one statement"):
        parse_statement(one + "\n\n" + one)


@pytest.mark.parametrize(("day", "title"), [
    ("2020-03-03", "▍臨時會議｜FOMC 會後聲明：降息 2 碼（50 個基點）至 1.00%–1.25%"),
    ("2020-03-15", "▍臨時會議｜FOMC 會後聲明：降息 4 碼（100 個基點）至 0.00%–0.25%"),
    ("2019-10-30", "▍FOMC 會後聲明：降息 1 碼（25 個基點）至 1.50%–1.75%"),
    ("2008-12-16", "▍FOMC 會後聲明：以 0.00%–0.25% 的目標區間取代 1.00% 的單一目標"),
])
def test_what_kind_of_meeting_and_move_it_was(day, title, monkeypatch):
    """Unscheduled meetings are said as such (from the input: a weekend, an unusual
    release time, or a covered day off the calendar), and December 2008's first range
    as the change from a 1% target it was; a time the text lacks is not guessed."""
    from tests.helpers import run_cli

    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    out = run_cli("parse", "fomc", f"tests/fixtures/fomc/{day}.txt", "--render",
                  "--lang", "zh-Hant")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == title
    if day == "2008-12-16":
        assert "降幅為 75 至 100 個基點" in out.stdout
        assert "發布日期：2008 年 12 月 16 日" in out.stdout


@pytest.mark.parametrize(("day", "says"), [
    ("2022-05-04", "monthly caps from the plan: $30 billion of Treasuries and $17.5 billion "
                   "of MBS a month; $60 billion and $35 billion from September 2022"),
    ("2017-09-20", "$6 billion of Treasuries and $4 billion of MBS a month; rising in steps "
                   "to $30 billion and $20 billion from October 2018"),
    ("2011-09-21", "buying longer-term Treasury securities and selling as much in "
                   "shorter-term ones"),
])
def test_balance_sheet_plans_are_said_whole(day, says, monkeypatch):
    """Runoff caps that step up come with every step (from the plan the statement points
    to, as the packaged program history records it); Operation Twist sells as it buys."""
    from tests.helpers import run_cli

    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    out = run_cli("parse", "fomc", f"tests/fixtures/fomc/{day}.txt", "--render", "--lang", "en")
    assert out.returncode == 0, out.stderr
    line = next(x for x in out.stdout.splitlines() if x.startswith("Balance sheet"))
    assert says in line, line
    zh = run_cli("parse", "fomc", f"tests/fixtures/fomc/{day}.txt", "--render", "--lang",
                 "zh-Hant")
    line = next(x for x in zh.stdout.splitlines() if x.startswith("資產負債表"))
    assert line.count("：") == 1, line  # one colon: 資產負債表：…


def test_an_increase_to_a_total_is_one_amount_and_every_purchase_sentence_counts():
    """March 2009: "up to an additional $750 billion ..., bringing its total purchases ...
    to up to $1.25 trillion" is an increase to a total, not two totals; the Treasury
    purchases stated in a later sentence are part of the same action."""
    from datetime import date

    from bot.domain.chats import Language
    from bot.render.formatting import Formatter
    from bot.topics.fomc.balance_sheet import parse_balance_sheet
    from bot.topics.fomc.render import _balance_sheet_line

    mbs = ("To provide greater support to mortgage lending and housing markets, the Committee "
           "decided today to increase the size of the Federal Reserve's balance sheet further "
           "by purchasing up to an additional $750 billion of agency mortgage-backed "
           "securities, bringing its total purchases of these securities to up to $1.25 "
           "trillion this year, and to increase its purchases of agency debt this year by up "
           "to $100 billion to a total of up to $200 billion.")
    treasuries = ("Moreover, to help improve conditions in private credit markets, the "
                  "Committee decided to purchase up to $300 billion of longer-term Treasury "
                  "securities over the next six months.")
    [action] = parse_balance_sheet([mbs, treasuries], set(), date(2009, 3, 18))
    assert [(a.asset, a.billions, a.added_billions) for a in action.amounts] == [
        ("mbs", 1250, 750), ("agency_debt", 200, 100), ("treasury", 300, None)]
    line = _balance_sheet_line(action, Formatter(Language.EN), date(2009, 3, 18))
    assert "up to $1.25 trillion of mortgage-backed securities (MBS) in total (an increase " \
           "of up to $750 billion)" in line
    zh = _balance_sheet_line(action, Formatter(Language.ZH_HANT), date(2009, 3, 18))
    assert "（增加最多 7,500 億美元）" in zh and "an increase" not in zh
