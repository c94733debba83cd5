"""One sample event of each kind, built from real inputs through the real parsers.

Nothing here is typed in by hand: each event comes out of the same functions the
watchers use, from the recorded inputs in ``tests/fixtures`` (where each came from is
said in ``tests/golden/README.md``). The BTC goldens come from the demo scenario's
illustrative prices through the live evaluator (``tests/test_render.py``), and say so.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.domain.calendar import load_calendar
from bot.domain.events import BaseEvent
from bot.topics.fomc.statement import TargetRangeHistory, parse_statement
from bot.topics.fomc.watcher import build_event
from bot.topics.h41.parse import parse_fred_csv
from bot.topics.h41.watcher import build_events
from bot.topics.odds.method import compute_odds
from bot.topics.odds.watcher import compare_tables, parse_cme_json

FIXTURES = Path(__file__).parent / "fixtures"
EASTERN = ZoneInfo("America/New_York")
STATEMENT_URL = "https://www.federalreserve.gov/newsevents/pressreleases/monetary{day}a.htm"


def _statement(day: str, previous: str | None = None, *, late: bool = False) -> BaseEvent:
    """The decision event of the statement of ``day`` (verbatim fixture), diffed against
    the statement of the meeting before when that one is given."""
    history = TargetRangeHistory.packaged()
    text = (FIXTURES / "fomc" / f"{day}.txt").read_text("utf-8")
    meeting = date.fromisoformat(day)
    before = None
    if previous is not None:
        before = list(parse_statement((FIXTURES / "fomc" / f"{previous}.txt").read_text("utf-8"),
                                      history=history,
                                      statement_date=date.fromisoformat(previous)).sentences)
    parsed = parse_statement(text, history=history, statement_date=meeting,
                             previous_sentences=before, require_complete=True)
    released = datetime.combine(meeting, time(14, 0), EASTERN).astimezone(UTC)
    return build_event(parsed, url=STATEMENT_URL.format(day=day.replace("-", "")),
                       released_at=released, previous_sentences=before, late=late,
                       unscheduled=False)


def _h41(fixture: str, week: date, *, regime_change: bool = False) -> BaseEvent:
    weeks = [w for w in parse_fred_csv((FIXTURES / "h41" / fixture).read_text())
             if w.week_ending <= week]
    released = datetime.combine(week + timedelta(days=1), time(16, 30),
                                EASTERN).astimezone(UTC)
    event, change = build_events(weeks, released_at=released,
                                 url=f"https://www.federalreserve.gov/releases/h41/"
                                     f"{released.astimezone(EASTERN):%Y%m%d}/")
    if regime_change:
        assert change is not None, f"no regime change in the week of {week}"
        return change
    return event


def _odds() -> BaseEvent:
    """CME's settlements of 2026-09-18 (FedWatch showed 42.4/57.6 for Oct 28), as the
    daily summary: one day's settlements, so no day-ago or week-ago figures."""
    settlements = parse_cme_json((FIXTURES / "cme" / "settlements_20260918.json").read_text())
    table = compute_odds(settlements.prices, load_calendar().decision_days,
                         settlements.trade_date, (3.75, 4.00))
    (event,) = compare_tables(table, None, None, summary=True)
    return event


def samples() -> dict[str, BaseEvent]:
    return {
        # Waller's dissent on the runoff and the cap cut; the January statement is not in
        # the corpus, so no diff rather than a diff against December
        "fomc_hold_2025_03_19": _statement("2025-03-19"),
        # a cut with Miran's dissent, diffed against the July 30 statement
        "fomc_cut_2025_09_17": _statement("2025-09-17", "2025-07-30"),
        # a 50 bp hike with the start of runoff, diffed against March 16, detected late
        "fomc_hike_2022_05_04_late": _statement("2022-05-04", "2022-03-16", late=True),
        # FRED's weekly figures, April 2024 to the week of 2025-04-16
        "h41_2025_04_16": _h41("fred_2024_2025.csv", date(2025, 4, 16)),
        # runoff began on June 1, 2022, as announced on May 4
        "h41_regime_2022_06_01": _h41("fred_2022_runoff_start.csv", date(2022, 6, 1),
                                      regime_change=True),
        "odds_summary_2026_09_18": _odds(),
    }
