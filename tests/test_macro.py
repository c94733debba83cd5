"""The macro topic: BLS/BEA release parsing, the schedule, the watcher end to end, /macro."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from bot.domain.chats import ChatKind, ChatRef, Language
from bot.topics.macro.parse import MacroParseError, parse_macro_file
from bot.topics.macro.schedule import due_on, merge, next_after, parse_schedule
from bot.topics.macro.settings import MacroSettings
from bot.topics.macro.watcher import SCHEDULE_STATE, MacroWatcher, to_event, user_agent
from tests.helpers import run_cli
from tests.servers import FakeFed, LocalServer

FIXTURES = Path(__file__).parent / "fixtures" / "macro"


def figures(name: str) -> dict[tuple[str, str], object]:
    releases = parse_macro_file((FIXTURES / name).read_text(encoding="utf-8"))
    return {(f.field, f.period): f.json_value() for r in releases for f in r.figures}


# Parsing ------------------------------------------------------------------------------------
def test_cpi_release_page_html():
    got = figures("cpi_2025-08.htm")
    assert got[("cpi_u_mom_sa_pct", "2025-08")] == 0.4
    assert got[("cpi_u_yoy_nsa_pct", "2025-08")] == 2.9
    assert got[("core_mom_sa_pct", "2025-08")] == 0.3
    assert got[("core_yoy_nsa_pct", "2025-08")] == 3.1
    assert got[("cpi_u_mom_sa_pct_as_stated_prior", "2025-07")] == 0.2


def test_cpi_two_month_change_after_a_lapse():
    got = figures("cpi_2025-11_two_month.txt")
    assert got[("cpi_u_2mo_change_sa_pct", "2025-09..2025-11")] == 0.2
    assert got[("cpi_u_mom_sa_pct", "2025-11")] == "NOT_PUBLISHED"
    assert got[("core_2mo_change_sa_pct", "2025-09..2025-11")] == 0.2
    assert got[("cpi_u_yoy_nsa_pct", "2025-11")] == 2.7
    assert got[("core_yoy_nsa_pct", "2025-11")] == 2.6


def test_jobs_report_with_revisions():
    got = figures("empsit_2025-03.txt")
    assert got[("nfp_change", "2025-03")] == 228_000
    assert got[("unemployment_rate_pct", "2025-03")] == 4.2
    assert got[("ahe_mom_pct", "2025-03")] == 0.3 and got[("ahe_yoy_pct", "2025-03")] == 3.8
    assert got[("nfp_change_revised", "2025-01")] == 111_000
    assert got[("nfp_change_revised", "2025-02")] == 117_000
    assert got[("nfp_change", "2024-12")] == 256_000  # the second release in the file


def test_jobs_report_after_a_lapse_says_the_missing_month():
    got = figures("empsit_2025-11.txt")
    assert got[("nfp_change", "2025-11")] == 64_000  # "changed little in November (+64,000)"
    assert got[("unemployment_rate_pct", "2025-11")] == 4.6
    assert got[("unemployment_rate_pct", "2025-10")] == "NOT_COLLECTED"


def test_pce_less_than_a_tenth_and_combined_months():
    got = figures("pio_2025-03.txt")
    assert got[("pce_price_mom_pct", "2025-03")] == 0.0  # the table; the text: "less than 0.1"
    assert got[("core_pce_price_yoy_pct", "2025-03")] == 2.6
    assert got[("personal_income_mom_pct", "2025-03")] == 0.5
    combined = figures("pio_combined.txt")
    assert combined[("pce_price_yoy_pct", "2025-10")] == 2.7
    assert combined[("pce_price_yoy_pct", "2025-11")] == 2.8
    assert combined[("core_pce_price_mom_pct", "2025-10")] == 0.2


def test_bea_feed_items_are_releases():
    releases = parse_macro_file((FIXTURES / "bea_rss.xml").read_text(encoding="utf-8"))
    gdp = [r for r in releases if r.kind == "gdp"]
    assert {(r.period, r.estimate) for r in gdp} == {("2026Q2", "second"), ("2025Q4", "advance")}
    second = next(r for r in gdp if r.period == "2026Q2")
    assert second.value("real_gdp_saar_pct") == Decimal("1.5")
    april = next(r for r in releases if r.kind == "pce" and r.period == "2026-04")
    assert april.get("personal_income_mom_pct").json_value() == "less than 0.1 (decrease)"


@pytest.mark.parametrize("text", [
    "<html><body><h1>Site maintenance</h1><p>bls.gov will be back at 9:00.</p></body></html>",
    "The September 2025 Consumer Price Index release has been postponed.",
    "",
])
def test_a_page_without_figures_is_no_release(text):
    with pytest.raises(MacroParseError):
        parse_macro_file(text)


def test_parse_cli_json_and_render():
    out = run_cli("parse", "macro", str(FIXTURES / "empsit_2025-03.txt"), "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    rows = {(row["field"], row["period"]): row["value"] for row in data["figures"]}
    assert rows[("nfp_change", "2025-03")] == 228000
    zh = run_cli("parse", "macro", str(FIXTURES / "empsit_2025-03.txt"), "--render",
                 "--lang", "zh-Hant")
    assert "非農就業人數增加 22.8 萬人，失業率變化不大，為 4.2%。" in zh.stdout
    assert "合計修正 −4.8 萬人" in zh.stdout
    assert not re.search(r"[A-Za-z]{4,}", zh.stdout.replace("CPI", "")), zh.stdout
    en = run_cli("parse", "macro", str(FIXTURES / "cpi_2025-08.htm"), "--render", "--lang", "en")
    assert "CPI: up 0.4% m/m, 2.9% y/y." in en.stdout
    assert "12-month CPI inflation picked up from 2.7% in July to 2.9%." in en.stdout
    missing = run_cli("parse", "macro", str(FIXTURES))
    assert missing.returncode == 1


# Schedule ------------------------------------------------------------------------------------
def test_revised_dates_after_a_lapse():
    schedule = parse_schedule((FIXTURES / "bls_lapse_dates.htm").read_text(encoding="utf-8"))
    by_key = {(e.kind, e.period): e for e in schedule}
    assert by_key[("cpi", "2025-10")].status == "canceled"
    assert by_key[("jobs", "2025-10")].status == "canceled"
    assert by_key[("jobs", "2025-09")].day == date(2025, 11, 20)
    assert by_key[("cpi", "2025-12")].day == date(2026, 1, 13)  # NO CHANGE: the day stands
    notice = parse_schedule("BLS will publish the September 2025 Consumer Price Index (CPI) on "
                            "Friday, October 24, 2025, at 8:30 A.M. Eastern Time.")
    first = parse_schedule("Friday, October 15, 2025\n08:30 AM\nConsumer Price Index for "
                           "September 2025")
    merged = merge(first, notice)  # the notice replaces the day first published
    assert [e.day for e in merged if e.period == "2025-09"] == [date(2025, 10, 24)]
    assert [e.kind for e in due_on(merged, date(2025, 10, 24))] == ["cpi"]
    coming = next_after(schedule, datetime(2026, 2, 12, tzinfo=UTC))
    assert coming is not None and (coming.kind, coming.day) == ("cpi", date(2026, 2, 13))


# The watcher end to end ----------------------------------------------------------------------
OLD_PAGE = (FIXTURES / "empsit_2025-03.txt").read_text(encoding="utf-8").split(
    "(2): the string")[0]
NEW_PAGE = OLD_PAGE.replace("MARCH 2025", "APRIL 2025").replace(
    "rose by 228,000 in March", "rose by 177,000 in April").replace(
    "at 4.2 percent", "at 4.2 percent").replace("April 4, 2025", "May 2, 2025")


async def test_watcher_announces_a_new_release_once(services):
    ref = ChatRef("console", "macro")
    await services.registry.upsert_chat(ref, ChatKind.PRIVATE, language=Language.BOTH)
    await services.registry.subscribe(ref, "macro")
    bls = FakeFed(pages={"/news.release/empsit.nr0.htm": OLD_PAGE.encode()})
    now = datetime(2025, 5, 2, 12, 30, 2, tzinfo=UTC)
    async with LocalServer(bls.app()) as server:
        client = httpx.AsyncClient(timeout=2.0)
        async with client:
            watcher = MacroWatcher(services.topic, client=client, clock=lambda: now)
            watcher.macro = MacroSettings(bls_url=server.url, contact="ops@example.org")
            assert await watcher.check({"jobs"}) == []  # first start: the baseline
            bls.pages["/news.release/empsit.nr0.htm"] = (
                b"<html><body>Site maintenance</body></html>")
            assert await watcher.check({"jobs"}) == []  # a maintenance page is no alert
            bls.pages["/news.release/empsit.nr0.htm"] = NEW_PAGE.encode()
            events = await watcher.check({"jobs"})
            assert [e.period for e in events] == ["2025-04"]
            assert await watcher.check({"jobs"}) == []  # announced once
            bls.pages["/news.release/empsit.nr0.htm"] = OLD_PAGE.encode()
            assert await watcher.check({"jobs"}) == []  # an older page again: not news
    event = events[0]
    assert event.occurred_at == datetime(2025, 5, 2, 12, 30, tzinfo=UTC)  # 8:30 ET
    assert event.previous_value("unemployment_rate_pct").value == Decimal("4.2")
    assert (await services.outbox.backlog("console"))["queued"] == 1
    text = services.catalog.renderers.message(event, Language.BOTH, "Asia/Taipei").to_text()
    assert "非農就業人數增加 17.7 萬人" in text and "Nonfarm payrolls rose by 177,000" in text
    assert "失業率持平於 4.2%，與 3 月相同。" in text
    assert "contact: ops@example.org" in user_agent(services.settings, watcher.macro)


async def test_watcher_polls_fast_only_in_the_window(services):
    schedule = "[[release]]\nkind = \"cpi\"\nperiod = \"2026-11\"\nday = 2026-12-10\n" \
               "at = \"08:30\"\nstatus = \"scheduled\"\n"
    await services.snapshots.set_json(SCHEDULE_STATE, schedule)
    moments = iter([datetime(2026, 12, 10, 13, 29, 57, tzinfo=UTC),
                    datetime(2026, 12, 10, 13, 40, tzinfo=UTC)])
    now = next(moments)
    bls = FakeFed(pages={"/news.release/cpi.nr0.htm":
                         (FIXTURES / "cpi_2025-08.htm").read_bytes()})
    async with LocalServer(bls.app()) as server:
        client = httpx.AsyncClient(timeout=2.0)
        async with client:
            watcher = MacroWatcher(services.topic, client=client, clock=lambda: now)
            watcher.macro = MacroSettings(bls_url=server.url, bea_feed_url=server.url + "/rss",
                                          quiet_poll_seconds=3600)
            watcher.next_refresh = datetime.max.replace(tzinfo=UTC)
            watcher.next_quiet = datetime.max.replace(tzinfo=UTC)
            assert await watcher.step() == watcher.macro.burst_poll_seconds  # 3 s before
            assert ("GET", "/news.release/cpi.nr0.htm") in bls.requests
            now = datetime(2026, 12, 11, 13, 0, tzinfo=UTC)
            assert await watcher.step() > 60  # the next day: quiet


@pytest.fixture
def commands(services):
    return services.commands()


async def test_macro_command_shows_the_latest_release(services, commands):
    from tests.test_commands import DM, say

    await say(commands, DM, "/start")
    empty = await say(commands, DM, "/macro")
    assert "尚未讀到任何經濟數據公布" in empty.text
    release = parse_macro_file((FIXTURES / "cpi_2025-08.htm").read_text(encoding="utf-8"))[0]
    event = to_event(release, released_at=datetime(2025, 9, 11, 12, 30, tzinfo=UTC), url=None)
    await services.publisher.publish(event)
    await services.snapshots.set_latest_event("macro", event.key)
    await services.snapshots.set_latest_event("macro_cpi", event.key)
    reply = await say(commands, DM, "/macro cpi")
    assert "CPI 月增 0.4%、年增率 2.9%。" in reply.text
    unknown = await say(commands, DM, "/macro wages")
    assert "不明的數據「wages」" in unknown.text


# Prediction markets ---------------------------------------------------------------------------
def test_market_quotes_keep_only_two_sided_open_markets():
    from bot.topics.markets import kalshi_quotes, polymarket_quotes

    kalshi, skipped = kalshi_quotes(json.loads((FIXTURES / "kalshi_markets.json").read_text()))
    assert [(q.outcome, q.probability) for q in kalshi] == [
        ("Hold", Decimal("0.88")), ("Cut 25bps", Decimal("0.11"))]
    assert any("thin" in reason for reason in skipped)  # 0 / 30: not a price
    assert any("settled" in reason for reason in skipped)
    poly, skipped = polymarket_quotes(json.loads(
        (FIXTURES / "polymarket_event.json").read_text()))
    assert [(q.outcome, q.probability) for q in poly] == [
        ("No change", Decimal("0.895")), ("25 bps decrease", Decimal("0.095"))]
    assert skipped == ["polymarket fed-50-bps-decrease-december: closed"]
    assert kalshi_quotes({"markets": "gone"}) == ([], [])


async def test_markets_beside_the_futures_in_odds_and_a_divergence_alert(services):
    from aiohttp import web

    from bot.render.formatting import Formatter
    from bot.topics.odds.markets import MARKETS_SNAPSHOT, MarketsSnapshot, MarketsWatcher
    from bot.topics.odds.render import odds_table_text
    from bot.topics.odds.snapshot import ODDS_SNAPSHOT, MeetingView, OddsSnapshot
    from tests.servers import LocalServer

    kalshi = json.loads((FIXTURES / "kalshi_markets.json").read_text())
    poly = json.loads((FIXTURES / "polymarket_event.json").read_text())
    asked: list[str] = []

    async def markets(request: web.Request) -> web.Response:
        asked.append(str(request.rel_url))
        return web.json_response(kalshi)

    async def events(request: web.Request) -> web.Response:
        asked.append(str(request.rel_url))
        return web.json_response(poly if request.query.get("slug") ==
                                 "fed-decision-in-may" else [])

    app = web.Application()
    app.router.add_get("/kalshi/markets", markets)
    app.router.add_get("/gamma/events", events)
    ref = ChatRef("console", "odds")
    await services.registry.upsert_chat(ref, ChatKind.PRIVATE)
    await services.registry.subscribe(ref, "odds")
    odds = OddsSnapshot(as_of=date(2025, 4, 17), current_range=(Decimal("4.25"),
                                                                Decimal("4.5")),
                        meetings=(MeetingView(day=date(2025, 5, 7), probabilities={},
                                              cut=0.08, hold=0.72, hike=0.0),))
    await services.snapshots.set_model(ODDS_SNAPSHOT, odds)
    async with LocalServer(app) as server, httpx.AsyncClient(timeout=2.0) as client:
        watcher = MarketsWatcher(services.topic, client=client,
                                 clock=lambda: datetime(2025, 4, 20, 15, tzinfo=UTC))
        watcher.markets = watcher.markets.model_copy(update={
            "kalshi_url": server.url + "/kalshi", "polymarket_url": server.url + "/gamma"})
        snapshot = await watcher.check()
    assert snapshot is not None and snapshot.meeting == date(2025, 5, 7)
    assert "series_ticker=KXFEDDECISION" in asked[0] and "slug=fed-decision-in-may" in asked[1]
    kalshi_odds = snapshot.venue("kalshi")
    assert kalshi_odds is not None and kalshi_odds.probabilities["hold"] == Decimal("0.88")
    stored = await services.snapshots.get_model(MARKETS_SNAPSHOT, MarketsSnapshot)
    text = odds_table_text(Formatter(Language.EN), odds, stored)
    assert ("futures 72% · Kalshi 88% (bid 87%, ask 89%) · Polymarket 90% (bid 89%, ask 90%) "
            "for no change") in text
    zh = odds_table_text(Formatter(Language.ZH_HANT), odds, stored)
    assert "維持不變" in zh and "for" not in zh
    # 72% vs 88% and 89.5%: both more than 15 points apart: one alert each, once a day
    assert (await services.outbox.backlog("console"))["queued"] == 2


async def test_cpi_alert_carries_kalshi_expectations_read_before_it(services):
    from aiohttp import web

    from tests.servers import LocalServer

    ref = ChatRef("console", "cpi")
    await services.registry.upsert_chat(ref, ChatKind.PRIVATE)
    await services.registry.subscribe(ref, "macro")
    schedule = ('[[release]]\nkind = "cpi"\nperiod = "2025-08"\nday = 2025-09-11\n'
                'at = "08:30"\nstatus = "scheduled"\n')
    await services.snapshots.set_json(SCHEDULE_STATE, schedule)
    old = (FIXTURES / "cpi_2025-08.htm").read_text(encoding="utf-8").replace(
        "AUGUST 2025", "JULY 2025")
    pages = {"cpi": old}

    def market(strike: float, bid: int, ask: int) -> dict[str, object]:
        return {"ticker": f"KXCPI-25AUG-T{strike}", "status": "active", "strike_type":
                "greater", "floor_strike": strike, "yes_bid": bid, "yes_ask": ask,
                "close_time": "2025-09-11T12:25:00Z", "yes_sub_title": f"Above {strike}%"}

    async def cpi(request: web.Request) -> web.Response:
        return web.Response(text=pages["cpi"], content_type="text/html")

    async def kalshi(request: web.Request) -> web.Response:
        assert request.query["series_ticker"] == "KXCPI"
        return web.json_response({"markets": [market(0.1, 90, 94), market(0.2, 60, 64),
                                              market(0.3, 19, 23), market(0.4, 0, 40)]})

    app = web.Application()
    app.router.add_get("/news.release/cpi.nr0.htm", cpi)
    app.router.add_get("/k/markets", kalshi)
    now = datetime(2025, 9, 11, 12, 29, 58, tzinfo=UTC)
    async with LocalServer(app) as server, httpx.AsyncClient(timeout=2.0) as client:
        watcher = MacroWatcher(services.topic, client=client, clock=lambda: now)
        watcher.macro = MacroSettings(bls_url=server.url, bea_feed_url=server.url + "/rss")
        watcher.markets = watcher.markets.model_copy(update={
            "kalshi_url": server.url + "/k"})
        watcher.next_refresh = watcher.next_quiet = datetime.max.replace(tzinfo=UTC)
        await watcher.check({"cpi"})  # baseline: July
        await watcher.step()  # the window opens: Kalshi read, the page still July
        assert len(watcher.expectations["cpi"]) == 3  # 0/40: thin, left out
        pages["cpi"] = (FIXTURES / "cpi_2025-08.htm").read_text(encoding="utf-8")
        await watcher.step()
    event = await services.snapshots.latest_event("macro")
    assert event is not None and event.period == "2025-08"
    text = services.catalog.renderers.message(event, Language.BOTH, "Asia/Taipei").to_text()
    assert ("Kalshi before the release: CPI m/m above 0.2% at 62% (bid 60%, ask 64%); CPI m/m "
            "above 0.3% at 21% (bid 19%, ask 23%).") in text
    assert "公布前 Kalshi 預測市場：CPI 月增率高於 0.2% 的機率 62%" in text


async def test_evening_preview_for_chats_that_asked(services, commands):
    from tests.test_commands import DM, say

    await say(commands, DM, "/start")
    await say(commands, DM, "/settings tz Asia/Taipei")
    on = await say(commands, DM, "/macro preview on")
    assert "預告" in on.text or "preview" in on.text.lower()
    other = ChatRef("console", "no-preview")
    await services.registry.upsert_chat(other, ChatKind.PRIVATE)
    await services.registry.subscribe(other, "macro")
    await services.snapshots.set_json(SCHEDULE_STATE, (
        '[[release]]\nkind = "cpi"\nperiod = "2026-11"\nday = 2026-12-10\nat = "08:30"\n'
        'status = "scheduled"\n'))
    watcher = MacroWatcher(services.topic, clock=lambda: now)
    schedule = await watcher.schedule()
    # Dec 10 8:30 ET = 21:30 Taipei: the preview is at 20:00 Taipei the day before
    now = datetime(2026, 12, 9, 11, 59, tzinfo=UTC)
    wait = await watcher.previews(schedule, now)
    assert wait == 60.0
    now = datetime(2026, 12, 9, 12, 0, 5, tzinfo=UTC)
    assert await watcher.previews(schedule, now) is None
    await watcher.previews(schedule, now)  # once
    backlog = await services.outbox.backlog("telegram")
    assert backlog["queued"] == 1
    assert (await services.outbox.backlog("console"))["queued"] == 0  # did not ask
    off = await say(commands, DM, "/macro preview off")
    assert off.error is None


@pytest.mark.parametrize(("text", "expected"), [
    ("Personal Income and Outlays, February 2024\nThe PCE price index increased 0.3 percent. "
     "Excluding food and energy, the PCE price index increased 0.3 percent.\nThe PCE price "
     "index for February increased 2.5 percent from one year ago. Excluding food and energy, "
     "the PCE price index increased 2.8 percent from one year ago.",
     {("pce_price_mom_pct", "2024-02"): 0.3, ("core_pce_price_yoy_pct", "2024-02"): 2.8}),
    ("THE EMPLOYMENT SITUATION -- OCTOBER 2024\nTotal nonfarm payroll employment changed "
     "little over the month (+12,000), and the unemployment rate was unchanged at 4.1 percent.",
     {("nfp_change", "2024-10"): 12000, ("unemployment_rate_pct", "2024-10"): 4.1}),
    ("Gross Domestic Product, 3rd Quarter 2025 (Initial Estimate)\nReal gross domestic product "
     "(GDP) increased at an annual rate of 4.3 percent in the third quarter of 2025, according "
     "to the initial estimate released by the U.S. Bureau of Economic Analysis.",
     {("real_gdp_saar_pct", "2025Q3"): 4.3}),
    ("CONSUMER PRICE INDEX - OCTOBER 2023\nThe Consumer Price Index for All Urban Consumers "
     "(CPI-U) was unchanged in October on a seasonally adjusted basis, after increasing 0.4 "
     "percent in September. Over the last 12 months, the all items index increased 3.2 "
     "percent before seasonal adjustment.",
     {("cpi_u_mom_sa_pct", "2023-10"): 0.0, ("cpi_u_yoy_nsa_pct", "2023-10"): 3.2}),
    ("THE EMPLOYMENT SITUATION -- FEBRUARY 2026\nTotal nonfarm payroll employment declined by "
     "92,000 in February. The change in total nonfarm payroll employment for December was "
     "revised down by 65,000, from +48,000 to -17,000.",
     {("nfp_change", "2026-02"): -92000, ("nfp_change_revised", "2025-12"): -17000}),
    ("THE EMPLOYMENT SITUATION -- JANUARY 2026\nTotal nonfarm payroll employment increased by "
     "130,000 in January. The change for December was revised from +50,000 to +48,000.",
     {("nfp_change_revised", "2025-12"): 48000}),
])
def test_release_wordings(text, expected):
    releases = parse_macro_file(text)
    got = {(f.field, f.period): f.json_value() for r in releases for f in r.figures}
    assert {key: got.get(key) for key in expected} == expected


def test_a_month_named_for_history_is_not_the_period():
    """A copy without its masthead: "since April 2011" is history; the period's year comes
    from the file's own header."""
    text = ("# RELEASE: CONSUMER PRICE INDEX \u2013 APRIL 2020\n"
            "----- BEGIN VERBATIM EXCERPT -----\n"
            "The Consumer Price Index for All Urban Consumers (CPI-U) declined 0.8 percent in\n"
            "April on a seasonally adjusted basis, the largest monthly decline since December\n"
            "2008. The all items index increased 0.3 percent for the 12 months ending April, the\n"
            "smallest 12-month increase since October 2015. The index for all items less food\n"
            "and energy increased 1.4 percent over the last 12 months, its smallest increase\n"
            "since April 2011.\n"
            "----- END VERBATIM EXCERPT -----\n")
    [release] = parse_macro_file(text)
    assert release.period == "2020-04"
    assert release.value("cpi_u_mom_sa_pct") == Decimal("-0.8")


async def test_a_refusing_bls_is_one_warning_naming_the_setting(services, caplog):
    import logging

    from aiohttp import web

    async def refuse(request: web.Request) -> web.Response:
        return web.Response(status=403, text="Access Denied")

    app = web.Application()
    app.router.add_get("/news.release/cpi.nr0.htm", refuse)
    async with LocalServer(app) as server, httpx.AsyncClient(timeout=2.0) as client:
        watcher = MacroWatcher(services.topic, client=client,
                               clock=lambda: datetime(2026, 12, 10, 13, 30, tzinfo=UTC))
        watcher.macro = MacroSettings(bls_url=server.url)
        with caplog.at_level(logging.WARNING, logger="bot.topics.macro.watcher"):
            for _ in range(5):
                assert await watcher.check({"cpi"}) == []
    said = [r for r in caplog.records if "FEDALERT_MACRO__CONTACT" in r.getMessage()]
    assert len(said) == 1


async def test_a_first_start_minutes_after_a_release_announces_it(services):
    """Installed at 8:31 on a jobs day: the release just out is news, not the baseline."""
    ref = ChatRef("console", "fresh")
    await services.registry.upsert_chat(ref, ChatKind.PRIVATE)
    await services.registry.subscribe(ref, "macro")
    bls = FakeFed(pages={"/news.release/empsit.nr0.htm": NEW_PAGE.encode()})
    async with LocalServer(bls.app()) as server, httpx.AsyncClient(timeout=2.0) as client:
        at = datetime(2025, 5, 2, 12, 31, tzinfo=UTC)  # 8:31 ET on May 2
        watcher = MacroWatcher(services.topic, client=client, clock=lambda: at)
        watcher.macro = MacroSettings(bls_url=server.url)
        assert [e.period for e in await watcher.check({"jobs"})] == ["2025-04"]
        later = MacroWatcher(services.topic, client=client,
                             clock=lambda: datetime(2025, 5, 9, 12, 31, tzinfo=UTC))
        later.macro = watcher.macro
        assert await later.check({"jobs"}) == []  # announced once
    assert (await services.outbox.backlog("console"))["queued"] == 1


@pytest.mark.parametrize(("outcome", "market", "side"), [
    ("No change", "", "hold"), ("25 bps decrease", "", "cut"), ("50+ bps decrease", "", "cut"),
    ("25+ bps increase", "", "hike"), ("Hike 25bps", "", "hike"),
    ("Fed maintains rate", "", "hold"),
    ("-25 bps", "", "cut"), ("0 bps", "", "hold"), ("", "KXFEDDECISION-26DEC-C25", "cut"),
    ("", "KXFEDDECISION-26DEC-H0", "hold"), ("Above 4.25%", "FED-25JAN-T4.25", None),
])
def test_decision_sides(outcome, market, side):
    from bot.topics.markets import decision_side

    assert decision_side(outcome, market) == side


def test_the_watcher_turns_off_as_the_others_do_or_by_its_own_section():
    """`sources.macro = false` (as `sources.btc` …) or `[macro] enabled = false`."""
    from bot.config import load_settings
    from bot.topics.macro.topic import TOPIC
    from bot.topics.packages import settings_sections

    sections = settings_sections()
    assert TOPIC.enabled(load_settings(sections=sections))
    assert not TOPIC.enabled(load_settings(sections=sections, sources={"macro": False}))
    assert not TOPIC.enabled(load_settings(sections=sections, macro={"enabled": False}))
