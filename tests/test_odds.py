"""FedWatch method: CME's published numbers, every edge case of the research note, properties."""

import calendar as cal
import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.calendar import load_calendar
from bot.domain.chats import ChatKind, ChatRef
from bot.domain.ports import TARGET_RANGE_SNAPSHOT, TargetRange
from bot.topics.odds.method import OddsInputError, compute_odds, parse_month, parse_settlements_text
from bot.topics.odds.watcher import OddsWatcher, compare_tables, parse_cme_json
from tests.servers import LocalServer

FIXTURES = Path(__file__).parent / "fixtures" / "cme"
WORKED = {(2026, 10): 96.105, (2026, 11): 95.975, (2026, 12): 95.835, (2027, 1): 95.77,
          (2027, 2): 95.68}
CALENDAR = load_calendar().decision_days


def pct(table, index):
    return {k: round(v * 100, 1) for k, v in table.meetings[index].probabilities.items()}


def test_worked_example_matches_cme_published_numbers():
    table = compute_odds(WORKED, CALENDAR, date(2026, 9, 18), (3.75, 4.00), "cme")
    october, december = table.meetings[0].probabilities, table.meetings[1].probabilities
    for got, want in ((october["375-400"], 0.424), (october["400-425"], 0.576),
                      (december["375-400"], 0.099), (december["400-425"], 0.460),
                      (december["425-450"], 0.441)):
        assert abs(got - want) <= 0.0005  # 0.05 percentage points
    assert table.meetings[0].start_rate == pytest.approx(3.88107, abs=1e-5)


def test_worked_example_legacy_day_count():
    table = compute_odds(WORKED, CALENDAR, date(2026, 9, 18), (3.75, 4.00), "legacy")
    assert pct(table, 0) == {"375-400": 40.3, "400-425": 59.7}
    assert pct(table, 1) == {"375-400": 10.0, "400-425": 45.1, "425-450": 44.8}


def test_real_cme_payload():
    settlements = parse_cme_json((FIXTURES / "settlements_20260918.json").read_text())
    assert settlements.trade_date == date(2026, 9, 18) and settlements.prices[(2026, 10)] == 96.105
    table = compute_odds(settlements.prices, CALENDAR, settlements.trade_date, (3.75, 4.00))
    assert pct(table, 0) == {"375-400": 42.4, "400-425": 57.6}
    assert pct(table, 1) == {"375-400": 9.9, "400-425": 46.0, "425-450": 44.1}
    with pytest.raises(OddsInputError, match="no settlements"):
        parse_cme_json((FIXTURES / "settlements_20260919_empty.json").read_text())


# Synthetic futures from a known path --------------------------------------------------
def prices_for(months, decisions, start_rate, moves, day_count="cme"):
    """Month averages of a daily rate path; ``moves[d]`` (percent) applies from the day after
    the decision day (``cme``) or from the decision day itself (``legacy``)."""
    rate_on = {}
    rate = start_rate
    changes = {(d if day_count == "legacy" else date.fromordinal(d.toordinal() + 1)): move
               for d, move in moves.items()}
    out = {}
    for year, month in months:
        total = 0.0
        days = cal.monthrange(year, month)[1]
        for day in range(1, days + 1):
            rate += changes.get(date(year, month, day), 0.0)
            rate_on[date(year, month, day)] = rate
            total += rate
        out[(year, month)] = 100 - total / days
    return out


def months_between(first, last):
    out = [first]
    while out[-1] != last:
        y, m = out[-1]
        out.append((y + 1, 1) if m == 12 else (y, m + 1))
    return out


def test_meeting_on_the_last_day_of_the_month():
    decisions = [date(2031, 1, 31), date(2031, 3, 19), date(2031, 6, 18)]
    months = months_between((2031, 1), (2031, 5))
    prices = prices_for(months, decisions, 2.33, {date(2031, 1, 31): -0.25})
    table = compute_odds(prices, decisions, date(2031, 1, 5), (2.25, 2.50))
    assert table.meetings[0].probabilities["200-225"] == pytest.approx(1.0)


def test_meeting_in_the_first_days_takes_its_start_from_the_month_before():
    decisions = [date(2031, 5, 1), date(2031, 7, 30), date(2031, 10, 29)]
    months = months_between((2031, 4), (2031, 9))
    prices = prices_for(months, decisions, 4.33, {date(2031, 5, 1): 0.25})
    prices[(2031, 5)] += 0.004  # noise in the May contract must not matter (N is tiny)
    table = compute_odds(prices, decisions, date(2031, 4, 10), (4.25, 4.50))
    assert table.meetings[0].probabilities["450-475"] == pytest.approx(1.0, abs=1e-9)


def test_consecutive_meeting_months_chain_through_continuity():
    decisions = [date(2031, 5, 7), date(2031, 6, 18), date(2031, 7, 30), date(2031, 9, 17)]
    months = months_between((2031, 4), (2031, 8))
    prices = prices_for(months, decisions, 4.33, {date(2031, 5, 7): -0.25,
                                                  date(2031, 6, 18): 0.0,
                                                  date(2031, 7, 30): -0.25})
    table = compute_odds(prices, decisions, date(2031, 4, 10), (4.25, 4.50))
    assert [m.decision_day for m in table.meetings] == decisions[:3]
    assert table.meetings[0].probabilities["400-425"] == pytest.approx(1.0)
    assert table.meetings[1].probabilities["400-425"] == pytest.approx(1.0)
    assert table.meetings[2].probabilities["375-400"] == pytest.approx(1.0)


def test_meeting_in_the_current_month_and_after_it():
    decisions = [date(2031, 9, 17), date(2031, 10, 29), date(2031, 12, 10)]
    months = months_between((2031, 9), (2031, 11))
    prices = prices_for(months, decisions, 4.33, {date(2031, 9, 17): -0.25,
                                                  date(2031, 10, 29): -0.25})
    before = compute_odds(prices, decisions, date(2031, 9, 10), (4.25, 4.50))
    assert before.meetings[0].decision_day == date(2031, 9, 17)
    assert before.meetings[0].probabilities["400-425"] == pytest.approx(1.0)
    # after the decision the held meeting drops out; labels follow the new range
    after = compute_odds(prices, decisions, date(2031, 9, 18), (4.00, 4.25))
    assert after.meetings[0].decision_day == date(2031, 10, 29)
    assert after.meetings[0].probabilities["375-400"] == pytest.approx(1.0)


def test_moves_larger_than_a_step_and_fractions():
    decisions = [date(2031, 3, 19), date(2031, 6, 18)]
    months = months_between((2031, 2), (2031, 4))
    prices = prices_for(months, decisions, 4.33, {date(2031, 3, 19): -0.575})
    table = compute_odds(prices, decisions, date(2031, 2, 10), (4.25, 4.50))
    probabilities = table.meetings[0].probabilities
    assert probabilities["375-400"] == pytest.approx(0.7, abs=1e-9)  # two cuts
    assert probabilities["350-375"] == pytest.approx(0.3, abs=1e-9)  # three cuts
    assert table.meetings[0].cut == pytest.approx(1.0)


def test_zero_bound_folds_into_the_lowest_range():
    decisions = [date(2031, 3, 18), date(2031, 6, 17)]
    months = months_between((2031, 2), (2031, 4))
    prices = prices_for(months, decisions, 0.08, {date(2031, 3, 18): -0.20})
    table = compute_odds(prices, decisions, date(2031, 2, 10), (0.00, 0.25))
    assert table.meetings[0].probabilities == {"0-25": pytest.approx(1.0)}


def test_schedule_horizon_limits_anchors_and_reported_meetings():
    decisions = [date(2031, 3, 19), date(2031, 5, 7)]  # the published schedule ends in May
    months = months_between((2031, 2), (2031, 8))
    prices = prices_for(months, decisions, 4.33, {date(2031, 3, 19): -0.25})
    table = compute_odds(prices, decisions, date(2031, 2, 10), (4.25, 4.50))
    assert [m.decision_day for m in table.meetings] == decisions
    assert table.meetings[1].probabilities["400-425"] == pytest.approx(1.0, abs=1e-9)


def test_day_count_consistency_on_both_conventions():
    decisions = [date(2031, 3, 19), date(2031, 6, 18)]
    months = months_between((2031, 2), (2031, 4))
    for convention in ("cme", "legacy"):
        prices = prices_for(months, decisions, 4.33, {date(2031, 3, 19): -0.1}, convention)
        table = compute_odds(prices, decisions, date(2031, 2, 10), (4.25, 4.50), convention)
        assert table.meetings[0].probabilities["400-425"] == pytest.approx(0.4, abs=1e-9)


@pytest.mark.parametrize("prices,message", [
    ({(2026, 10): 96.1, (2026, 12): 95.8}, "missing settlement for 2026-11 (ZQX26)"),
    ({(2026, 10): 96.1, (2026, 11): 107.0}, "outside 90-101"),
    ({(2026, 11): 96.0, (2026, 12): 95.9}, "missing settlement for 2026-10"),
])
def test_malformed_input_names_what_is_wrong(prices, message):
    with pytest.raises(OddsInputError, match=re.escape(message)):
        compute_odds(prices, CALENDAR, date(2026, 9, 18), (3.75, 4.00))


def test_meeting_past_the_schedule_and_bad_ranges():
    with pytest.raises(OddsInputError, match="no FOMC meeting after"):
        compute_odds(WORKED, CALENDAR, date(2029, 1, 1), (3.75, 4.00))
    with pytest.raises(OddsInputError, match="25 bp range"):
        compute_odds(WORKED, CALENDAR, date(2026, 9, 18), (3.75, 4.25))
    with pytest.raises(OddsInputError, match="two decision days"):
        compute_odds(WORKED, [date(2026, 10, 1), date(2026, 10, 28)], date(2026, 9, 18),
                     (3.75, 4.00))


def test_settlement_files():
    assert parse_settlements_text('{"2025-05": 95.725, "ZQM25": 95.8}') == {
        (2025, 5): 95.725, (2025, 6): 95.8}
    assert parse_settlements_text("month,price\n2025-05,95.725\nMAY 26,96\n") == {
        (2025, 5): 95.725, (2026, 5): 96.0}
    assert parse_month("Oct 2026") == (2026, 10)
    with pytest.raises(OddsInputError, match="not a number"):
        parse_settlements_text('{"2025-05": "abc"}')


@settings(max_examples=200, deadline=None)
@given(base=st.floats(min_value=91.0, max_value=99.9),
       steps=st.lists(st.floats(min_value=-0.3, max_value=0.3), min_size=5, max_size=5),
       convention=st.sampled_from(["cme", "legacy"]))
def test_probabilities_are_a_distribution(base, steps, convention):
    prices = {}
    price = base
    for month, step in zip([(2026, 10), (2026, 11), (2026, 12), (2027, 1), (2027, 2)], steps,
                           strict=True):
        price = min(100.9, max(90.1, price + step))
        prices[month] = price
    low = max(0.0, round((100 - base) * 4) / 4)
    try:
        table = compute_odds(prices, CALENDAR, date(2026, 9, 18), (low, low + 0.25), convention)
    except OddsInputError:
        return
    for meeting in table.meetings:
        assert all(p >= 0 for p in meeting.probabilities.values())
        assert abs(sum(meeting.probabilities.values()) - 1) <= 1e-9
        assert abs(meeting.cut + meeting.hold + meeting.hike - 1) <= 1e-9


@given(price=st.floats(min_value=90.5, max_value=99.9), convention=st.sampled_from(["cme",
                                                                                     "legacy"]))
def test_flat_curve_means_no_change(price, convention):
    prices = {m: price for m in [(2026, 10), (2026, 11), (2026, 12), (2027, 1), (2027, 2)]}
    low = round((100 - price) * 4) / 4
    table = compute_odds(prices, CALENDAR, date(2026, 9, 18), (low, low + 0.25), convention)
    for meeting in table.meetings:
        assert meeting.hold == pytest.approx(1.0, abs=1e-9)


# Alerts --------------------------------------------------------------------------------
def _stored(table):
    return json.loads(json.dumps(table.summary_json()))


def test_alert_rules():
    day1 = compute_odds(WORKED, CALENDAR, date(2026, 9, 17), (3.75, 4.00))
    assert compare_tables(day1, _stored(day1), None) == []  # unchanged: nothing
    stored = _stored(day1)
    stored["meetings"][0]["hike"] = 0.45  # yesterday below 50 %, today 57.6 %
    [event] = compare_tables(day1, stored, None)
    assert (event.move, event.reason, round(event.probability, 3)) == ("hike", "crossed_up",
                                                                        0.576)
    stored["meetings"][0]["hike"] = 0.70
    [event] = compare_tables(day1, stored, None)
    assert event.reason == "jump"  # 12 points down, no crossing
    assert compare_tables(day1, _stored(day1), None, summary=True)[0].reason == "summary"


# The whole path through a local CME ------------------------------------------------------
async def test_fetch_to_alert_through_a_local_cme(services):
    from aiohttp import web

    payloads = {}

    async def settlements(request):
        trade = request.query.get("tradeDate", "")
        body = payloads.get(trade)
        if body is None:
            return web.json_response({"settlements": [], "tradeDate": trade, "empty": True})
        return web.Response(text=body, content_type="application/json")

    app = web.Application()
    app.router.add_get("/CmeWS/mvc/Settlements/Futures/Settlements/305/FUT", settlements)
    ref = ChatRef("console", "odds")
    await services.registry.upsert_chat(ref, ChatKind.PRIVATE)
    await services.registry.subscribe(ref, "odds")
    real = json.loads((FIXTURES / "settlements_20260918.json").read_text())

    def day(trade_date, november):
        data = json.loads(json.dumps(real))
        data["tradeDate"] = trade_date
        for row in data["settlements"]:
            if row["month"] == "NOV 26":
                row["settle"] = november
        return json.dumps(data)

    clock_day = {"now": datetime(2026, 9, 16, 23, 0, tzinfo=UTC)}
    async with LocalServer(app) as server:
        services.settings = services.settings.model_copy(update={
            "cme": services.settings.cme.model_copy(update={"base_url": server.url})})
        # the range the FOMC topic publishes for the other topics
        await services.snapshots.set_model(TARGET_RANGE_SNAPSHOT, TargetRange(
            low=Decimal("3.75"), high=Decimal("4.00")))
        async with httpx.AsyncClient() as client:
            watcher = OddsWatcher(services.topic, client=client, clock=lambda: clock_day["now"])
            # day 1: Oct-hike odds below 50 % (history only: the first table is not news)
            payloads["09/16/2026"] = day("09/16/2026", "96.0600")
            assert await watcher.check() == []
            # day 2: an unchanged fetch is ignored
            assert await watcher.check() is None
            # day 3: the real 2026-09-18 prices: 57.6 % for October, crossing 50 %
            clock_day["now"] = datetime(2026, 9, 18, 23, 0, tzinfo=UTC)
            payloads["09/18/2026"] = day("09/18/2026", "95.9750")
            events = await watcher.check()
            assert [(e.move, e.reason) for e in events] == [("hike", "crossed_up")]
            assert await watcher.check() is None
    backlog = await services.outbox.backlog("console")
    assert backlog["queued"] == 1
    table = await services.snapshots.get_json("odds")
    assert table["as_of"] == "2026-09-18" and table["history"]["1d"]["as_of"] == "2026-09-16"
    stored = await services.redis.hkeys(services.keys.history("odds"))
    assert sorted(stored) == ["2026-09-16", "2026-09-18"]


async def test_stale_or_failing_source_is_never_used(services, caplog):
    from aiohttp import web

    async def old(request):
        data = json.loads((FIXTURES / "settlements_20260918.json").read_text())
        return web.json_response(data)

    app = web.Application()
    app.router.add_get("/CmeWS/mvc/Settlements/Futures/Settlements/305/FUT", old)
    async with LocalServer(app) as server:
        services.settings = services.settings.model_copy(update={
            "cme": services.settings.cme.model_copy(update={"base_url": server.url})})
        async with httpx.AsyncClient() as client:
            watcher = OddsWatcher(services.topic, client=client,
                                  clock=lambda: datetime(2026, 10, 20, 23, 0, tzinfo=UTC))
            delay = await watcher.step()
    assert delay > 0
    assert await services.snapshots.get_json("odds") is None
    assert any("not used" in r.getMessage() for r in caplog.records)


async def test_sources_fall_back_in_order_and_say_which_serves(caplog):
    from bot.topics.odds.method import OddsInputError
    from bot.topics.odds.watcher import FallbackSource, Settlements

    today = date(2026, 9, 18)

    class Refused:
        name = "cme"

        async def fetch(self, day):
            raise OddsInputError("403: not a browser")

    class Serving:
        name = "yahoo"

        async def fetch(self, day):
            return Settlements(day, {(2026, 10): 96.1}, "Yahoo")

    chain = FallbackSource([Refused(), Serving()])
    with caplog.at_level("INFO"):
        settlements = await chain.fetch(today)
    assert settlements.source == "Yahoo" and chain.serving == "yahoo"
    assert "cme failed" in caplog.text and "now from yahoo" in caplog.text
    with pytest.raises(OddsInputError, match=r"cme: .*; yahoo: "):
        await FallbackSource([Refused(), Refused2()]).fetch(today)


class Refused2:
    name = "yahoo"

    async def fetch(self, day):
        from bot.topics.odds.method import OddsInputError

        raise OddsInputError("unreachable")


def test_odds_source_setting_takes_an_ordered_list():
    from bot.config import OddsSettings

    assert OddsSettings(source="CME, yahoo").sources == ("cme", "yahoo")
    with pytest.raises(ValueError, match="not bloomberg"):
        OddsSettings(source="cme,bloomberg")


def test_last_meeting_days_before_month_end_is_left_out_not_solved_forward():
    """The schedule's last meeting, 3 days before month end, with no later contract: 0.005
    in price would move it 12 points, so it is not reported (the research note's rule)."""
    decisions = [date(2031, 3, 19), date(2031, 4, 28)]  # the schedule ends on Apr 28
    months = months_between((2031, 2), (2031, 4))
    prices = prices_for(months, decisions, 4.33, {date(2031, 3, 19): -0.25})
    table = compute_odds(prices, decisions, date(2031, 2, 10), (4.25, 4.50))
    assert [m.decision_day for m in table.meetings] == [date(2031, 3, 19)]
    assert "2031-04-28" in table.notes[0]
    # a meeting with most of its month left is still solved forward
    decisions = [date(2031, 3, 19), date(2031, 4, 9)]
    table = compute_odds(prices_for(months, decisions, 4.33, {}), decisions,
                         date(2031, 2, 10), (4.25, 4.50))
    assert [m.decision_day for m in table.meetings] == decisions


def test_the_day_compared_with_is_named_and_the_figures_are_ours():
    """On a Monday "a day ago" is Friday: the alert names the settlement day it compares
    with, and says the odds are computed by fedalert with CME's method."""
    from bot.domain.chats import Language
    from bot.render.formatting import Formatter
    from bot.topics.odds.render import render

    monday = compute_odds(WORKED, CALENDAR, date(2026, 9, 21), (3.75, 4.00))
    friday = _stored(compute_odds(WORKED, CALENDAR, date(2026, 9, 18), (3.75, 4.00)))
    friday["meetings"][0]["hike"] = 0.45
    [event] = compare_tables(monday, friday, None)
    assert event.previous_day_as_of == date(2026, 9, 18)
    en = render(event, Formatter(Language.EN), "America/New_York")
    assert "(Sep 18: 45%)" in en.lines[0] and "a day ago" not in en.lines[0]
    assert "computed" in en.footer.lower() and "not CME's published figures" in en.footer
    zh = render(event, Formatter(Language.ZH_HANT), "Asia/Taipei")
    assert "9 月 18 日為 45%" in zh.lines[0] and "非 CME 公布的數據" in zh.footer
