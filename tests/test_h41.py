"""H.4.1: parsers, regime, chart, and the watcher against a local stand-in of the Fed/FRED."""

import functools
import logging
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from fontTools.ttLib import TTCollection, TTFont

from bot.domain.chats import ChatKind, ChatRef, Language
from bot.render.charts import resolved_font
from bot.topics.h41.chart import balance_sheet_chart
from bot.topics.h41.parse import (
    H41ParseError,
    normalize_label,
    parse_ddp_xml,
    parse_fred_csv,
    parse_h41_file,
    parse_release,
    split_row,
)
from bot.topics.h41.regime import WeekPoint, classify, regimes_of
from bot.topics.h41.watcher import CURRENT_PATH, H41Watcher, build_events
from tests.helpers import run_cli
from tests.servers import FakeFed, LocalServer

FIXTURES = Path(__file__).parent / "fixtures" / "h41"
PAGE = (FIXTURES / "h41_20250417.htm").read_text()
FRED = (FIXTURES / "fred_multi.csv").read_text()


def next_week_page() -> str:
    """The same page one week later, with FRED's figures of 2025-04-23."""
    page = PAGE.replace("April 17, 2025", "April 24, 2025").replace("Apr 16, 2025", "Apr 23, 2025")
    page = page.replace("Apr 9, 2025", "Apr 16, 2025")
    for old, new in (("6,727,113", "6,726,930"), ("6,408,479", "6,405,447"),
                     ("4,217,259", "4,217,694"), ("2,188,873", "2,185,406"),
                     ("3,452,030", "3,256,734")):
        page = page.replace(old, new)
    return page


def test_release_page_html():
    week = parse_release(PAGE)
    assert week.week_ending == date(2025, 4, 16) and week.release_date == date(2025, 4, 17)
    assert (week.total_assets, week.securities, week.treasuries, week.mbs, week.reserves) == (
        6_727_113, 6_408_479, 4_217_259, 2_188_873, 3_452_030)
    assert week.total_assets_change_1w == -303


def test_ascii_release():
    week = parse_h41_file((FIXTURES / "H41_20180726.TXT").read_text())[0]
    assert week.week_ending == date(2018, 7, 25)
    assert (week.total_assets, week.securities, week.treasuries, week.mbs) == (
        4_277_681, 4_071_830, 2_359_893, 1_709_528)


def test_fred_csv_and_ddp():
    weeks = parse_fred_csv(FRED)
    assert weeks[-1].week_ending == date(2025, 4, 30) and weeks[-1].total_assets == 6_709_277
    ddp = parse_ddp_xml((FIXTURES / "FRB_H41_2020_trimmed.xml").read_text())
    assert next(w.week_ending for w in ddp) == date(2020, 4, 29)
    last = ddp[-1]
    assert (last.total_assets, last.securities, last.treasuries, last.mbs,
            last.reserves_wednesday) == (7_097_316, 5_946_969, 4_109_512, 1_835_110, 3_317_688)
    # the liquidity lines, as FRED's WDTGAL, WLRRAL and RRPONTSYD give that Wednesday
    assert (last.tga, last.reverse_repos, last.on_rrp) == (1_326_897, 243_976, 4_326)
    row = last.as_json()
    assert row["reserves"] == 3_317_688 and row["reserves_basis"] == "wednesday"
    assert row["net_liquidity"] == 7_097_316 - 1_326_897 - 4_326 and row["currency"]
    single = parse_fred_csv("observation_date,WRESBAL\n2025-04-16,3452030\n2025-04-23,.\n")
    assert [w.reserves for w in single] == [3_452_030, None]


def test_labels_and_signs():
    assert normalize_label("Securities held outright1") == "securities held outright"
    assert normalize_label("Mortgage-backed securities (4)") == "mortgage-backed securities"
    assert split_row("Reserve Bank credit  4,249,257   -    7,010  -  186,127     4,238,181") == (
        "reserve bank credit", [4_249_257, -7_010, -186_127, 4_238_181])
    assert split_row("Bills (2)  0  0  0  0") == ("bills", [0, 0, 0, 0])


@pytest.mark.parametrize("broken", [
    PAGE[: len(PAGE) // 2],  # half-written
    PAGE.replace("Total assets", "Total asets"),  # table 5 row missing
    "<html><body><p>We are updating this page.</p></body></html>",  # another layout
    PAGE.replace("6,408,479</td></tr>", "6,408</td></tr>", 1),  # misread: parts > whole
])
def test_broken_pages_raise(broken):
    with pytest.raises(H41ParseError):
        parse_release(broken)


def test_regime_is_qt_through_the_fixture_and_ignores_one_week_jumps():
    weeks = parse_fred_csv(FRED)
    regimes = regimes_of(weeks)
    assert set(regimes[16:]) == {"QT"}
    # a week of emergency lending lifts total assets, not securities: still QT
    points = [WeekPoint(w.week_ending, w.securities, w.treasuries) for w in weeks]
    assert classify(points)[-1] == "QT"


def test_weekly_event_figures():
    weeks = [w for w in parse_fred_csv(FRED) if w.week_ending <= date(2025, 4, 16)]
    event, regime_event = build_events(weeks, released_at=datetime(2025, 4, 17, 20, 30,
                                                                   tzinfo=UTC), url=None)
    assert event.total_assets == 6_727_113 and event.total_assets_change_1w == -303
    assert event.securities_change_1w == 6_408_479 - 6_410_842
    assert event.regime == "QT" and regime_event is None
    assert event.peak_total_assets == 8_965_487  # the April 2022 peak, before the history
    assert event.total_assets_change_52w == 6_727_113 - 7_405_506


@functools.cache
def _cmap(path: str, index: int) -> frozenset[int]:
    font = TTCollection(path, lazy=True).fonts[index] if path.endswith(".ttc") else \
        TTFont(path, lazy=True)
    return frozenset(font.getBestCmap())


@pytest.mark.parametrize("language", [Language.ZH_HANT, Language.EN])
def test_chart_renders_real_glyphs(language, tmp_path):
    weeks = parse_fred_csv(FRED)
    png = balance_sheet_chart([w.week_ending for w in weeks], [w.total_assets for w in weeks],
                              [w.securities for w in weeks], regimes_of(weeks), language)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    path, index = resolved_font()
    labels = "聯準會資產負債表（H.4.1）總資產持有證券量化緊縮兆美元資料來源週三數值6.73"
    missing = [c for c in labels if ord(c) not in _cmap(path, index)]
    assert not missing, f"{path} lacks {missing}"


def test_bundled_font_covers_the_whole_catalog():
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[1]
    bundled = root / "bot/data/fonts/NotoSansCJKtc-fedalert-subset.otf"
    cmap = _cmap(str(bundled), 0)
    with (root / "bot/render/locale/zh_Hant/LC_MESSAGES/messages.po").open("rb") as handle:
        catalog = read_po(handle)
    text = "".join("".join(m.string) if isinstance(m.string, tuple) else m.string or ""
                   for m in catalog)
    missing = sorted({c for c in text if c.isprintable() and ord(c) not in cmap})
    assert not missing, f"run tools/build_cjk_font.py: missing {missing}"


def test_parse_cli(tmp_path):
    out = run_cli("parse", "h41", str(FIXTURES / "fred_multi.csv"), "--all", "--json")
    assert out.returncode == 0, out.stderr
    import json

    rows = json.loads(out.stdout)
    assert rows[-1]["week_ending"] == "2025-04-30" and rows[-1]["regime"] == "QT"
    assert rows[-1]["unit"] == "millions_usd"
    one = run_cli("parse", "h41", str(FIXTURES / "h41_20250417.htm"), "--json")
    assert json.loads(one.stdout)["total_assets"] == 6_727_113


# The watcher ---------------------------------------------------------------------------
@pytest.fixture
def fed():
    early = "\n".join(line for line in FRED.splitlines() if line[:10] <= "2025-04-09"
                      or line.startswith("observation"))
    return FakeFed(pages={CURRENT_PATH: PAGE.encode(),
                          "/graph/fredgraph.csv": early.encode()})


async def make_watcher(services, server):
    services.settings = services.settings.model_copy(update={
        "fed": services.settings.fed.model_copy(update={"base_url": server.url}),
        "fred": services.settings.fred.model_copy(update={"base_url": server.url})})
    client = httpx.AsyncClient(timeout=2.0)
    clock = lambda: datetime(2025, 4, 24, 20, 31, tzinfo=UTC)  # noqa: E731
    return H41Watcher(services.topic, client=client, clock=clock), client


async def test_watcher_one_event_per_release(services, fed, caplog):
    ref = ChatRef("console", "h41")
    await services.registry.upsert_chat(ref, ChatKind.PRIVATE)
    await services.registry.subscribe(ref, "h41")
    async with LocalServer(fed.app()) as server:
        watcher, client = await make_watcher(services, server)
        async with client:
            assert await watcher.check() is None  # first start: back-fill + baseline
            assert len(await watcher.history.all()) > 100
            assert (await services.snapshots.latest_event("h41")).week_ending == date(2025, 4, 16)
            assert await watcher.check() is None  # unchanged page
            fed.pages[CURRENT_PATH] = next_week_page().encode()
            fed.faults[CURRENT_PATH] = ["500", "truncate", "layout"]
            with caplog.at_level(logging.WARNING, logger="bot.topics.h41.watcher"):
                for _ in range(3):
                    await watcher.step()
            assert watcher.published == []
            failing = [r for r in caplog.records
                       if "h41: the release page failing" in r.getMessage()]
            assert len(failing) == 3  # three kinds of failure, a line each
            event = await watcher.check()
            assert event is not None and event.week_ending == date(2025, 4, 23)
            assert event.total_assets_change_1w == 6_726_930 - 6_727_113
            assert event.regime == "QT"
            assert await watcher.check() is None
    assert len(watcher.published) == 1
    assert (await services.outbox.backlog("console"))["queued"] == 1
    chart = await services.records.load_attachment(event.key, "h41-2025-04-23.zh-Hant.png")
    assert chart is not None and chart.startswith(b"\x89PNG")


# The regime as the FOMC announced it -------------------------------------------------------
@pytest.mark.parametrize(("wednesday", "regime"), [
    ("2010-11-10", "QE"), ("2014-11-05", "flat"), ("2017-10-04", "QT"),
    ("2019-08-07", "flat"), ("2019-10-09", "flat"),
    ("2019-10-16", "RMP"),  # bill purchases from Oct 15 2019: the Fed said they are not QE
    ("2020-03-18", "QE"), ("2022-03-09", "QE"), ("2022-03-16", "flat"),
    ("2022-05-25", "flat"), ("2022-06-01", "QT"),  # runoff from June 1, not weeks later
    ("2025-11-26", "QT"), ("2025-12-03", "flat"),  # runoff ended Dec 1 2025
    ("2025-12-10", "flat"), ("2025-12-17", "RMP"),
])
def test_program_regime_follows_the_fomc(wednesday, regime):
    from bot.domain.programs import ProgramHistory

    assert ProgramHistory.packaged().regime_on(date.fromisoformat(wednesday)) == regime


def test_runoff_start_week_says_began_in_both_alerts():
    from bot.render.formatting import Formatter

    weeks = parse_fred_csv((FIXTURES / "fred_2022_runoff_start.csv").read_text())
    upto = [w for w in weeks if w.week_ending <= date(2022, 6, 1)]
    event, change = build_events(upto, released_at=datetime(2022, 6, 2, 20, 30, tzinfo=UTC),
                                 url=None)
    assert event.regime == "QT" and event.regime_since == date(2022, 6, 1)
    assert event.treasury_cap == 30 and event.mbs_cap == Decimal("17.5")
    assert change is not None and (change.previous, change.regime) == ("flat", "QT")
    assert change.effective == date(2022, 6, 1) and change.announced == date(2022, 5, 4)
    from bot.topics.h41.render import render, render_regime
    en = Formatter(Language.EN)
    weekly = "\n".join(render(event, en, "UTC").lines)
    assert "began on Jun 1, 2022" in weekly and "continues" not in weekly
    assert "$30 billion of Treasuries and $17.5 billion of MBS a month" in weekly
    regime_text = render_regime(change, en, "UTC").lines[0]
    assert regime_text.startswith("Runoff (quantitative tightening, QT) began on Jun 1, 2022")
    zh = "\n".join(render(event, Formatter(Language.ZH_HANT), "Asia/Taipei").lines)
    assert "量化緊縮" in zh and "2022 年 6 月 1 日" in zh


def test_runoff_end_and_reserve_management_purchases():
    weeks = parse_fred_csv((FIXTURES / "fred_2025_runoff_end.csv").read_text())
    regimes = dict(zip([w.week_ending for w in weeks], regimes_of(weeks), strict=True))
    assert regimes[date(2025, 11, 26)] == "QT" and regimes[date(2025, 12, 3)] == "flat"
    assert regimes[date(2025, 12, 17)] == "RMP" and regimes[date(2026, 1, 14)] == "RMP"
    upto = [w for w in weeks if w.week_ending <= date(2025, 12, 17)]
    event, change = build_events(upto, released_at=datetime(2025, 12, 18, 21, 30, tzinfo=UTC),
                                 url=None)
    assert event.regime == "RMP" and event.treasury_cap is None
    assert change is not None and (change.previous, change.regime) == ("flat", "RMP")


def test_a_new_statement_extends_the_program_history():
    from bot.domain.programs import ProgramHistory
    from bot.topics.fomc.events import BalanceSheetAction, FomcDecision
    from bot.topics.fomc.programs import program_changes

    history = ProgramHistory.packaged()
    decision = FomcDecision(
        occurred_at=datetime(2026, 12, 9, 19, tzinfo=UTC), meeting_date=date(2026, 12, 9),
        decision="hold", change_bps=0, target_low=Decimal("3.5"), target_high=Decimal("3.75"),
        url="https://www.federalreserve.gov/x.htm", balance_sheet=(BalanceSheetAction(
            kind="runoff_start", effective=date(2027, 1, 1), sentence="(a test sentence)"),))
    extended = ProgramHistory.packaged(program_changes(decision, history))
    assert extended.regime_on(date(2026, 12, 30)) == "RMP"
    assert extended.regime_on(date(2027, 1, 6)) == "QT"
    assert extended.since(date(2027, 3, 3)) == date(2027, 1, 1)


def test_liquidity_lines_from_the_page_and_from_fred():
    week = parse_release(PAGE)
    assert (week.tga, week.reverse_repos, week.on_rrp, week.currency) == \
        (638_783, 412_428, 54_772, 2_376_957)  # "Others" under reverse repos, not under repos
    assert week.net_liquidity == 6_727_113 - 638_783 - 54_772
    fred = parse_fred_csv((FIXTURES / "fred_2024_2025.csv").read_text())
    last = fred[-1]
    assert (last.tga, last.reverse_repos, last.on_rrp, last.currency) == \
        (638_783, 412_428, 54_772, 2_376_957)  # RRPONTSYD in billions → millions
    assert last.as_json()["net_liquidity"] == week.net_liquidity
    event, _ = build_events(fred, released_at=datetime(2025, 4, 17, 20, 30, tzinfo=UTC),
                            url=None)
    assert event.net_liquidity_change_1w == week.net_liquidity - (6_727_416 - 315_189 - 168_115)
    assert event.on_rrp_change_1w == 54_772 - 168_115


# Liquidity alerts ---------------------------------------------------------------------------
@pytest.mark.parametrize(("args", "rule"), [
    (["rrp", "below", "100b"], ("on_rrp", "below", 100_000)),
    (["net", "move", "100", "billion"], ("net_liquidity", "move", 100_000)),
    (["tga", "above", "1t"], ("tga", "above", 1_000_000)),
    (["逆回購", "跌破", "1000億"], ("on_rrp", "below", 100_000)),
])
def test_liquidity_rules_parse(args, rule):
    from bot.topics.h41.liquidity import parse_rule

    parsed = parse_rule(args)
    assert (parsed.metric, parsed.test, parsed.millions) == rule


async def test_liquidity_alerts_fire_on_the_week_they_are_met(services):
    from bot.domain.chats import ChatKind as Kind
    from bot.domain.chats import ChatRef as Ref
    from bot.topics.h41.watcher import check_liquidity_rules

    commands = services.commands()
    from bot.commands.core import Invocation

    chats = []
    for cid, rule in (("61", "/liquidity rrp below 100b"), ("62", "/liquidity net move 100b"),
                      ("63", "/liquidity tga above 1t"), ("64", "/liquidity rrp below 1t")):
        inv = Invocation(Ref("telegram", cid), Kind.PRIVATE, user_id=cid, user_language="en")
        await commands.handle_text(inv, "/start")
        reply = await commands.handle_text(inv, rule)
        assert "#1" in reply.text
        chats.append(inv)
    bad = await commands.handle_text(chats[0], "/liquidity rrp sideways 5")
    assert bad.error == "invalid_liquidity_rule" and "/liquidity rrp below 100b" in bad.text
    weeks = parse_fred_csv((FIXTURES / "fred_2024_2025.csv").read_text())
    event, _ = build_events(weeks, released_at=datetime(2025, 4, 17, 20, 30, tzinfo=UTC),
                            url=None)
    # ON RRP 168 → 55 billion (crossed 100b), net liquidity −211 billion (a move ≥ 100b);
    # TGA 639 billion (never above 1t); ON RRP was below 1t already (no crossing)
    assert await check_liquidity_rules(services.topic, event) == 2
    rrp = await services.records.load_event("h41-liq:2025-04-16:on_rrp:below:100000")
    net = await services.records.load_event("h41-liq:2025-04-16:net_liquidity:move:100000")
    assert rrp is not None and rrp.value == 54_772 and net is not None
    from bot.topics.catalog import Catalog

    text = Catalog().renderers.message(rrp, Language.BOTH, "Asia/Taipei").to_text()
    assert "隔夜逆回購（ON RRP）跌破 1,000 億美元" in text and "fell below $100 billion" in text
    assert "h41" in (await services.registry.get_chat(chats[0].chat)).topics


@pytest.mark.parametrize(("fixture", "says", "never"), [
    # June 1, 2022: runoff began, yet securities held rose that week
    ("fred_2021_12_to_2022_06_01.csv", "securities held still rose by $1.36 billion",
     "securities held keep falling"),
    # Dec 31, 2025: bill purchases under way, but the week's growth was not securities
    ("fred_2025_07_to_2025_12_31.csv", "the growth is not from purchases", "QE"),
])
def test_a_weekly_rise_is_explained_only_as_far_as_securities_show(fixture, says, never):
    out = run_cli("parse", "h41", str(FIXTURES / fixture), "--render", "--lang", "en")
    assert out.returncode == 0, out.stderr
    headline = out.stdout.splitlines()[1]
    assert says in headline and never not in headline, headline
    zh = run_cli("parse", "h41", str(FIXTURES / fixture), "--render", "--lang", "zh-Hant")
    assert "。 （" not in zh.stdout


@pytest.mark.parametrize(("week_ending", "release"), [
    ("2025-06-18", "2025-06-20"),  # Juneteenth
    ("2025-12-24", "2025-12-26"),  # Christmas
    ("2025-12-31", "2026-01-02"),  # New Year's Day
    ("2021-11-24", "2021-11-26"),  # Thanksgiving
    ("2025-11-26", "2025-11-28"),
    ("2014-06-18", "2014-06-19"),  # Juneteenth was not yet a holiday
    ("2025-12-17", "2025-12-18"),
])
def test_the_release_moves_past_a_thursday_holiday(week_ending, release):
    from datetime import date

    from bot.domain.holidays import h41_release_after

    assert h41_release_after(date.fromisoformat(week_ending)) == date.fromisoformat(release)
