"""Meeting day: the implementation note and the projections, parsed from real pages."""

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from bot.topics.fomc.note import NoteParseError, parse_note
from bot.topics.fomc.projections import ProjectionsParseError, parse_projections
from tests.helpers import run_cli

FIXTURES = Path(__file__).parent / "fixtures" / "meeting_day"
ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "bot" / "demo"  # the real pages the meeting-day demo ships


def path_of(name: str) -> Path:
    """A fixture here, or one of the demo's pages (``meeting_day_<name>``)."""
    local = FIXTURES / name
    return local if local.exists() else DEMO / f"meeting_day_{name}"


def read(name: str) -> str:
    return path_of(name).read_text("utf-8")


@pytest.mark.parametrize(("name", "expected"), [
    ("note_2026-09-16.html", {"iorb": 3.9, "on_rrp": 3.75, "primary_credit": 4.0,
                              "srf_min_bid": None, "srf_rate": 4.0, "effective": "2026-09-17",
                              "treasury_cap": None, "mbs_cap": None}),
    ("note_2017-09-20.pdf.txt", {"iorb": 1.25, "on_rrp": 1.0, "primary_credit": 1.75,
                                 "srf_min_bid": None, "srf_rate": None,
                                 "effective": "2017-09-21", "treasury_cap": None,
                                 "mbs_cap": None, "treasury_cap_next": 6.0,
                                 "mbs_cap_next": 4.0, "caps_next_from": "2017-10-01"}),
    ("note_2025-01-29.pdf.txt", {"iorb": 4.4, "on_rrp": 4.25, "primary_credit": 4.5,
                                 "srf_min_bid": 4.5, "srf_rate": None,
                                 "effective": "2025-01-30", "treasury_cap": 25.0,
                                 "mbs_cap": 35.0}),
    ("minutes_policy_2022-05-04.html", {"on_rrp": 0.8, "srf_min_bid": 1.0,
                                        "effective": "2022-05-05", "treasury_cap": None,
                                        "treasury_cap_next": 30.0, "mbs_cap_next": 17.5,
                                        "caps_next_from": "2022-06-01"}),
])
def test_implementation_note(name, expected):
    got = parse_note(read(name)).as_json()
    assert {key: got[key] for key in expected} == expected


def test_ioer_before_july_2021_is_labelled():
    assert parse_note(read("note_2017-09-20.pdf.txt")).iorb_label == "IOER"
    assert parse_note(read("note_2026-09-16.html")).iorb_label == "IORB"


def test_a_page_that_is_not_a_note_is_refused():
    with pytest.raises(NoteParseError):
        parse_note("<html><body><p>Page not found</p></body></html>")


def test_projections_pdf_text():
    sep = parse_projections(read("sep_2026-09-16.pdf.txt"))
    assert sep.released == date(2026, 9, 16)
    assert sep.as_json() == {
        "fed_funds": {"2026": 4.1, "2027": 4.1, "2028": 3.9, "2029": 3.6, "longer_run": 3.2},
        "core_pce": {"2026": 3.4, "2027": 2.5, "2028": 2.2, "2029": 2.0},
        "unemployment": {"2026": 4.1, "2027": 4.1, "2028": 4.1, "2029": 4.1,
                         "longer_run": 4.2},
        "gdp": {"2026": 2.3, "2027": 2.4, "2028": 2.2, "2029": 2.1, "longer_run": 2.0}}
    assert sep.medians["pce"]["2026"] == Decimal("3.7")


def test_projections_accessible_text_with_footnotes_on_their_own_lines():
    sep = parse_projections(read("sep_2026-06-17.txt"))
    assert sep.as_json()["fed_funds"] == {"2026": 3.8, "2027": 3.6, "2028": 3.4,
                                          "longer_run": 3.1}
    assert sep.as_json()["core_pce"] == {"2026": 3.3, "2027": 2.5, "2028": 2.1}


def test_dot_plot_counts_reproduce_the_medians():
    dots = parse_projections(read("sep_2026-09-16.pdf.txt") + read("sep_2026-09-16.figure2.html")
                             ).dots
    assert dots is not None and dots.columns[-1] == "longer_run"
    assert dots.counts[Decimal("4.375")] == (4, 8, 0, 0, 0)
    assert [sum(c[i] for c in dots.counts.values()) for i in range(5)] == [18, 18, 17, 17, 18]


def test_not_a_projection_table():
    with pytest.raises(ProjectionsParseError):
        parse_projections("<html><p>Minutes of the Federal Open Market Committee</p></html>")


@pytest.mark.parametrize(("kind", "name", "key", "value"), [
    ("note", "note_2026-09-16.html", "srf_rate", 4.0),
    ("sep", "sep_2026-09-16.pdf.txt", "fed_funds", {"2026": 4.1, "2027": 4.1, "2028": 3.9,
                                                    "2029": 3.6, "longer_run": 3.2}),
])
def test_parse_cli_json(kind, name, key, value):
    out = run_cli("parse", kind, str(path_of(name)), "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)[key] == value


# The meeting-day watcher against a stand-in of federalreserve.gov ---------------------------
import httpx  # noqa: E402

from bot.domain.chats import ChatKind, ChatRef  # noqa: E402
from bot.domain.ports import (  # noqa: E402
    BTC_PRICE_SNAPSHOT,
    LatestPrice,
    MarketExpectation,
    market_expectation_snapshot,
)
from bot.topics.fomc.events import FomcDecision  # noqa: E402
from bot.topics.fomc.meeting_day import LastProjections, MeetingDayWatcher  # noqa: E402
from bot.topics.fomc.projections import parse_projections as parse_sep  # noqa: E402
from bot.topics.fomc.watcher import FomcWatcher  # noqa: E402
from tests.servers import FakeFed, LocalServer  # noqa: E402

NOTE_0916 = "/newsevents/pressreleases/monetary20260916a1.htm"
SEP_0916 = "/monetarypolicy/fomcprojtabl20260916.htm"
MINUTES_0917 = "/monetarypolicy/fomcminutes20250917.htm"


def decision_2026_09_16(**update) -> FomcDecision:
    """The decision of 2026-09-16 as the statement watcher announces it (a 25 bp hike to
    3-3/4 to 4 percent, per the implementation note of that day)."""
    return FomcDecision(
        occurred_at=datetime(2026, 9, 16, 18, 0, tzinfo=UTC), meeting_date=date(2026, 9, 16),
        decision="hike", change_bps=25, target_low=Decimal("3.75"), target_high=Decimal("4.00"),
        url="https://www.federalreserve.gov/newsevents/pressreleases/monetary20260916a.htm",
        **update)


async def make_day_watcher(services, server, moment):
    fed = services.settings.fed.model_copy(update={"base_url": server.url})
    services.settings = services.settings.model_copy(update={"fed": fed,
                                                             "http_timeout_seconds": 1.0})
    now = {"at": moment}
    watcher = MeetingDayWatcher(services.topic, client=httpx.AsyncClient(timeout=1.0),
                                clock=lambda: now["at"])
    return watcher, now


async def chats(services, *topic_sets):
    for i, topics in enumerate(topic_sets):
        ref = ChatRef("console", f"day{i}")
        await services.registry.upsert_chat(ref, ChatKind.PRIVATE)
        await services.registry.set_topics(ref, topics)


async def test_note_follows_when_the_decision_went_without_it(services):
    from bot.topics.fomc.watcher import remember_decision

    await chats(services, ["fomc"])
    fed = FakeFed(pages={NOTE_0916: read("note_2026-09-16.html").encode()})
    async with LocalServer(fed.app()) as server:
        watcher, _now = await make_day_watcher(
            services, server, datetime(2026, 9, 16, 18, 0, 20, tzinfo=UTC))
        await services.records.save_event(decision_2026_09_16(), {"topic": "fomc"})
        await remember_decision(services.topic, decision_2026_09_16())
        async with watcher.client:
            await watcher.step()
            await watcher.step()
    event = await services.records.load_event("fomc-note:2026-09-16")
    assert event is not None and event.rates.iorb == Decimal("3.90")
    assert event.rates.srf_rate == Decimal("4.0") and event.rates.effective == date(2026, 9, 17)
    assert [p for _, p in fed.requests].count(NOTE_0916) == 1  # sent once, then not polled


async def test_statement_alert_folds_the_note_and_the_market_expectation(services):
    fed = FakeFed(pages={NOTE_0916: read("note_2026-09-16.html").encode()})
    await services.snapshots.set_model(
        market_expectation_snapshot(date(2026, 9, 16)),
        MarketExpectation(meeting_date=date(2026, 9, 16), as_of=date(2026, 9, 15),
                          current_low=Decimal("3.50"), moves={0: 0.12, 25: 0.88}))
    async with LocalServer(fed.app()) as server:
        settings = services.settings.fed.model_copy(update={"base_url": server.url})
        services.settings = services.settings.model_copy(update={"fed": settings})
        async with httpx.AsyncClient(timeout=1.0) as client:
            # by default the decision is never held for the note: it follows on its own
            watcher = FomcWatcher(services.topic, client=client)
            assert (await watcher.complete(decision_2026_09_16())).note is None
            assert not any(NOTE_0916 in path for _, path in fed.requests)
            folding = settings.model_copy(update={"note_wait_seconds": 2.0})
            services.settings = services.settings.model_copy(update={"fed": folding})
            watcher = FomcWatcher(services.topic, client=client)
            event = await watcher.complete(decision_2026_09_16())
    assert event.note is not None and event.note.iorb == Decimal("3.90")
    assert event.expectation is not None and event.expectation.realized == 0.88
    from bot.domain.chats import Language
    from bot.topics.catalog import Catalog

    text = Catalog().renderers.message(event, Language.BOTH, "Asia/Taipei").to_text()
    assert "市場原先預期升息 1 碼（25 個基點）的機率為 88%" in text and "符合預期" in text
    assert "Markets had priced 88% for a 25 bp hike" in text and "as expected" in text
    assert "interest on reserve balances (IORB) 3.90%" in text
    assert "準備金餘額利率（IORB）3.90%" in text


async def test_projections_against_the_previous_with_the_dot_plot(services):
    await chats(services, ["fomc"])
    page = read("sep_2026-09-16.pdf.txt") + read("sep_2026-09-16.figure2.html")
    fed = FakeFed(pages={SEP_0916: page.encode()})
    june = parse_sep(read("sep_2026-06-17.txt"))
    await services.topic.state.set_model("fomc_sep_last", LastProjections(
        day=date(2026, 6, 17), medians={k: dict(v) for k, v in june.medians.items()}))
    async with LocalServer(fed.app()) as server:
        watcher, _now = await make_day_watcher(
            services, server, datetime(2026, 9, 16, 18, 0, 5, tzinfo=UTC))
        async with watcher.client:
            await watcher.step()
    event = await services.records.load_event("fomc-sep:2026-09-16")
    assert event is not None and event.previous_date == date(2026, 6, 17)
    assert event.medians["fed_funds"]["2026"] == Decimal("4.1")
    from bot.domain.chats import Language
    from bot.topics.catalog import Catalog

    en = Catalog().renderers.message(event, Language.EN, "America/New_York").to_text()
    assert "2026 median 3.8% → 4.1%: the path 25 bp higher" in en
    assert await services.records.load_attachment(event.key, "sep-2026-09-16.zh-Hant.png")


async def test_press_conference_and_bitcoin_reaction(services):
    from bot.topics.fomc.watcher import remember_decision

    await chats(services, ["fomc", "btc"], ["fomc"])
    fed = FakeFed(pages={NOTE_0916: read("note_2026-09-16.html").encode()})
    release = datetime(2026, 9, 16, 18, 0, tzinfo=UTC)
    async with LocalServer(fed.app()) as server:
        watcher, now = await make_day_watcher(services, server, release)
        decision = decision_2026_09_16(note=None)
        await services.records.save_event(decision, {"topic": "fomc"})
        await remember_decision(services.topic, decision)
        async with watcher.client:
            for minutes, price in ((0.5, "60000"), (10, "61500"), (20, "59000"),
                                   (30.2, "60600"), (31, "60700"), (120.5, "62000")):
                now["at"] = release + timedelta(minutes=minutes)
                await services.snapshots.set_model(BTC_PRICE_SNAPSHOT, LatestPrice(
                    price=Decimal(price), at=now["at"]))
                await watcher.step()
    presser = await services.records.load_event("fomc-presser:2026-09-16")
    assert presser is not None and presser.starts_at == release + timedelta(minutes=30)
    thirty = await services.records.load_event("fomc-btc:2026-09-16:30")
    assert thirty is not None and thirty.price_at_release == Decimal("60000")
    assert (thirty.high, thirty.low, thirty.price_now) == (Decimal("61500"), Decimal("59000"),
                                                           Decimal("60600"))
    later = await services.records.load_event("fomc-btc:2026-09-16:120")
    assert later is not None and later.high == Decimal("62000")


async def test_minutes_three_weeks_later(services):
    await chats(services, ["fomc"])
    fed = FakeFed(pages={MINUTES_0917: read("minutes_2025-09-17.html").encode()})
    async with LocalServer(fed.app()) as server:
        watcher, _now = await make_day_watcher(
            services, server, datetime(2025, 10, 8, 18, 0, 10, tzinfo=UTC))
        async with watcher.client:
            await watcher.step()
            await watcher.step()
    event = await services.records.load_event("fomc-minutes:2025-09-17")
    assert event is not None and not event.late
    assert event.highlights[0].startswith("In support of the Committee's goals")
    assert any("securities holdings" in h for h in event.highlights)
    assert [p for _, p in fed.requests].count(MINUTES_0917) == 1


def test_preview_moment_is_each_zones_evening_before():
    from bot.domain.calendar import preview_moment

    statement = datetime(2026, 9, 16, 18, 0, tzinfo=UTC)  # 2:00 pm ET
    assert preview_moment(statement, "America/New_York", 20) == \
        datetime(2026, 9, 16, 0, 0, tzinfo=UTC)  # 8 pm ET the evening before
    assert preview_moment(statement, "Asia/Taipei", 20) == \
        datetime(2026, 9, 16, 12, 0, tzinfo=UTC)  # 8 pm Taipei, six hours before 2 am


async def test_previews_go_out_in_each_zone_at_its_evening(services):
    await chats(services, ["fomc"], ["fomc"])
    await services.registry.set_timezone(ChatRef("console", "day0"), "Asia/Taipei")
    await services.registry.set_timezone(ChatRef("console", "day1"), "America/New_York")
    fed = FakeFed()
    async with LocalServer(fed.app()) as server:
        watcher, now = await make_day_watcher(
            services, server, datetime(2026, 9, 15, 23, 0, tzinfo=UTC))  # 7 pm ET, 7 am TPE
        async with watcher.client:
            await watcher.step()
            assert await services.records.load_event(
                "fomc-preview:2026-09-16:America/New_York") is None
            now["at"] = datetime(2026, 9, 16, 0, 0, 5, tzinfo=UTC)  # 8 pm ET
            await watcher.step()
            ny = await services.records.load_event("fomc-preview:2026-09-16:America/New_York")
            assert ny is not None and ny.projections
            assert await services.records.load_event(
                "fomc-preview:2026-09-16:Asia/Taipei") is None
            now["at"] = datetime(2026, 9, 16, 12, 0, 5, tzinfo=UTC)  # 8 pm Taipei
            await watcher.step()
            await watcher.step()
    taipei = await services.records.load_event("fomc-preview:2026-09-16:Asia/Taipei")
    assert taipei is not None
    from bot.domain.chats import Language
    from bot.topics.catalog import Catalog

    text = Catalog().renderers.message(taipei, Language.ZH_HANT, "Asia/Taipei").to_text()
    assert "台灣時間 9 月 17 日凌晨 2:00" in text and "記者會" in text


async def test_the_meeting_day_demo(services, tmp_path):
    """`fedalert demo --scenario meeting-day`: every piece from the shipped real pages; the
    Bitcoin reaction only to the chat that follows both, labelled illustrative."""
    import io

    from bot.demo.replay import load_scenario, replay
    from bot.platforms.console import ConsoleTransport

    out = io.StringIO()
    report = await replay(services, load_scenario(Path("meeting-day")), ConsoleTransport(out),
                          speed=1000, output_dir=tmp_path)
    text = out.getvalue()
    assert report.events == 5
    assert "準備金餘額利率（IORB）3.90%" in text
    assert "2026 median 3.8% → 4.1%: the path 25 bp higher" in text
    assert "FOMC 記者會" in text and "會議紀要" in text
    reaction = text[text.index("FOMC 聲明發布後 30 分鐘，比特幣下跌 0.2%"):]
    assert "示意數字" in reaction.split("────")[0]
    first = text.index("Bitcoin down 0.2% 30 min")
    assert "console:newyork" not in text[first - 400: first].split("── to ")[-1]


def test_caps_that_change_within_the_directive_give_both():
    """December 2017: this month's caps, and higher ones from January (the directive's own
    words); the note's alert line says both."""
    directive = (
        "Effective December 14, 2017, the Federal Open Market Committee directs the Desk to "
        "undertake open market operations as necessary to maintain the federal funds rate "
        "in a target range of 1-1/4 to 1-1/2 percent, including overnight reverse "
        "repurchase operations at an offering rate of 1.25 percent. The Board of Governors "
        "voted to raise the interest rate paid on required and excess reserve balances to "
        "1.50 percent. The Committee directs the Desk to continue rolling over at auction "
        "the amount of principal payments from the Federal Reserve's holdings of Treasury "
        "securities maturing during December that exceeds $6 billion, and to continue "
        "reinvesting in agency mortgage-backed securities the amount of principal payments "
        "from the Federal Reserve's holdings of agency debt and agency mortgage-backed "
        "securities received during December that exceeds $4 billion. Effective in "
        "January, the Committee directs the Desk to roll over at auction the amount of "
        "principal payments from the Federal Reserve's holdings of Treasury securities "
        "maturing during each calendar month that exceeds $12 billion, and to reinvest in "
        "agency mortgage-backed securities the amount of principal payments from the "
        "Federal Reserve's holdings of agency debt and agency mortgage-backed securities "
        "received during each calendar month that exceeds $8 billion.")
    got = parse_note(directive).as_json()
    assert (got["treasury_cap"], got["mbs_cap"], got["treasury_cap_next"],
            got["mbs_cap_next"], got["caps_next_from"]) == (6.0, 4.0, 12.0, 8.0, "2018-01-01")
    from bot.domain.chats import Language
    from bot.render.formatting import Formatter
    from bot.topics.fomc.meeting_day import notes_from
    from bot.topics.fomc.render import note_lines

    lines = note_lines(notes_from(parse_note(directive)), Formatter(Language.EN))
    assert "From January 2018, runoff caps of $12 billion of Treasuries and $8 billion of " \
           "MBS a month." in lines
