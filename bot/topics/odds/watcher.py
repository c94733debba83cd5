"""Fed funds futures prices, the daily odds table, and alerts when the odds move.

Price sources (setting ``odds.source``), all behind one interface:
- ``cme``: CME's public settlements JSON (product 305), the default;
- ``yahoo``: Yahoo Finance quotes of each ZQ contract (``ZQK25.CBT``), delayed;
- ``file``: a JSON ``{"2025-05": 95.725}`` or CSV ``month,price`` file kept by the user.
A source that fails or returns old prices is reported (log line, metric, ``fedalert
check``) and never used: no odds are computed from stale data.

Each new trade date's table is stored in Redis (``history:odds``), so users see the odds
now, a day, a week and a month ago, and alerts compare against them.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import httpx

from bot import metrics
from bot.config import Settings
from bot.domain.calendar import FomcCalendar, load_calendar
from bot.domain.chats import Language
from bot.domain.events import Frozen
from bot.domain.ports import (
    TARGET_RANGE_SNAPSHOT,
    MarketExpectation,
    TargetRange,
    market_expectation_snapshot,
)
from bot.topics.base import CheckResult, DemoContext, PollingWatcher, Publication, TopicContext
from bot.topics.fomc.statement import TargetRangeHistory
from bot.topics.http import Backoff, describe_error, get_bounded, make_http_client
from bot.topics.odds.events import MeetingOdds as MeetingOddsEvent
from bot.topics.odds.events import OddsShift
from bot.topics.odds.method import (
    Month,
    OddsInputError,
    OddsTable,
    compute_odds,
    contract_code,
    month_of,
    next_month,
    parse_month,
    parse_settlements_text,
)
from bot.topics.odds.snapshot import ODDS_SNAPSHOT, OddsSnapshot

log = logging.getLogger(__name__)

EASTERN = ZoneInfo("America/New_York")
STALE_AFTER_DAYS = 5  # a trade date older than this (calendar days) is not used
CME_PATH = "/CmeWS/mvc/Settlements/Futures/Settlements/305/FUT"
YAHOO_PATH = "/v8/finance/chart/"
CROSS_LEVEL = 0.5
JUMP_POINTS = 0.10
MEETING_WEEK_DAYS = 7


class StaleSettlements(OddsInputError):
    pass


@dataclass(frozen=True)
class Settlements:
    trade_date: date
    prices: dict[Month, float]
    source: str


class PriceSource(Protocol):
    name: str

    async def fetch(self, today: date) -> Settlements: ...


# CME --------------------------------------------------------------------------------
def parse_cme_json(text: str) -> Settlements:
    """CME's settlements JSON → prices by contract month (``"OCT 26"`` → (2026, 10))."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise OddsInputError(f"CME answer is not JSON: {exc}") from None
    if data.get("empty") or not data.get("settlements"):
        raise OddsInputError(f"CME has no settlements for {data.get('tradeDate')}")
    trade_date = datetime.strptime(data["tradeDate"], "%m/%d/%Y").date()
    prices: dict[Month, float] = {}
    for row in data["settlements"]:
        label = str(row.get("month", ""))
        settle = str(row.get("settle", "")).strip()
        if label.lower() == "total" or not re.match(r"^\d*\.?\d+$", settle):
            continue
        prices[parse_month(label)] = float(settle)
    if not prices:
        raise OddsInputError(f"CME settlements for {trade_date} have no prices")
    return Settlements(trade_date, prices, "CME")


class CmeSource:
    name = "cme"

    def __init__(self, client: httpx.AsyncClient, base_url: str) -> None:
        self.client = client
        self.base_url = base_url

    async def fetch(self, today: date) -> Settlements:
        """The latest settlement day: today, else the business days before it."""
        last_error: Exception | None = None
        for back in range(0, 6):
            day = today - timedelta(days=back)
            if day.weekday() >= 5:
                continue
            response = await get_bounded(
                self.client, self.base_url + CME_PATH,
                params={"tradeDate": day.strftime("%m/%d/%Y")},
                headers={"Accept": "application/json"})
            response.raise_for_status()
            try:
                return parse_cme_json(response.text)
            except OddsInputError as exc:  # a holiday or not yet settled
                last_error = exc
        raise last_error or OddsInputError("no CME settlements in the last week")


# Yahoo ------------------------------------------------------------------------------
class YahooSource:
    """One quote per ZQ contract from Yahoo Finance's chart API (delayed; not the settle)."""

    name = "yahoo"
    MONTHS_AHEAD = 13

    def __init__(self, client: httpx.AsyncClient, base_url: str) -> None:
        self.client = client
        self.base_url = base_url

    async def fetch(self, today: date) -> Settlements:
        prices: dict[Month, float] = {}
        latest: date | None = None
        month = month_of(today)
        for _ in range(self.MONTHS_AHEAD):
            symbol = f"{contract_code(month)}.CBT"
            response = await get_bounded(self.client, f"{self.base_url}{YAHOO_PATH}{symbol}",
                                         params={"range": "5d", "interval": "1d"})
            if response.status_code == 404:
                break
            response.raise_for_status()
            price, day = _yahoo_close(response.json(), symbol)
            prices[month] = price
            latest = max(latest or day, day)
            month = next_month(month)
        if not prices or latest is None:
            raise OddsInputError("Yahoo Finance returned no ZQ quotes")
        return Settlements(latest, prices, "Yahoo Finance")


def _yahoo_close(data: Mapping[str, Any], symbol: str) -> tuple[float, date]:
    try:
        result = data["chart"]["result"][0]
        stamps = result["timestamp"]
        closes = result["indicators"]["quote"][0]["close"]
    except (KeyError, IndexError, TypeError):
        raise OddsInputError(f"Yahoo Finance: no data for {symbol}") from None
    for stamp, close in zip(reversed(stamps), reversed(closes), strict=True):
        if close is not None:
            return float(close), datetime.fromtimestamp(stamp, UTC).date()
    raise OddsInputError(f"Yahoo Finance: no close for {symbol}")


# File -------------------------------------------------------------------------------
class FileSource:
    name = "file"

    def __init__(self, path: Path) -> None:
        self.path = path

    async def fetch(self, today: date) -> Settlements:
        try:
            text = self.path.read_text(encoding="utf-8")
            modified = datetime.fromtimestamp(self.path.stat().st_mtime, UTC).date()
        except OSError as exc:
            raise OddsInputError(f"cannot read {self.path}: {exc.strerror}") from None
        return Settlements(modified, parse_settlements_text(text), f"file {self.path.name}")


def make_source(settings: Settings, client: httpx.AsyncClient) -> FallbackSource:
    """The configured sources, tried in order (``odds.source = cme,yahoo``)."""
    odds = settings.odds
    chain: list[PriceSource] = []
    for name in odds.sources:
        if name == "yahoo":
            chain.append(YahooSource(client, settings.yahoo.base_url))
        elif name == "file":
            if odds.file is None:
                raise OddsInputError("odds.source includes file but odds.file is not set")
            chain.append(FileSource(odds.file))
        else:
            chain.append(CmeSource(client, settings.cme.base_url))
    return FallbackSource(chain)


class FallbackSource:
    """Each source in turn until one gives fresh settlements (CME is known to turn away
    clients that are not browsers); ``serving`` says which one did."""

    def __init__(self, sources: Sequence[PriceSource]) -> None:
        self.sources = tuple(sources)
        self.name = ",".join(source.name for source in self.sources)
        self.serving: str | None = None

    async def fetch(self, today: date) -> Settlements:
        failures: list[str] = []
        for source in self.sources:
            try:
                settlements = await source.fetch(today)
                check_fresh(settlements, today)
            except (httpx.HTTPError, OddsInputError, OSError, ValueError) as exc:
                failures.append(f"{source.name}: {describe_error(exc)}: {exc}")
                if source is not self.sources[-1]:
                    log.info("odds: %s failed (%s: %s); trying the next source",
                             source.name, describe_error(exc), exc)
                    continue
                raise OddsInputError("no settlements: " + "; ".join(failures)) from exc
            if self.serving != source.name:
                log.info("odds: settlements now from %s", source.name)
            self.serving = source.name
            return settlements
        raise OddsInputError("no odds source configured")


def check_fresh(settlements: Settlements, today: date) -> None:
    age = (today - settlements.trade_date).days
    if age > STALE_AFTER_DAYS:
        raise StaleSettlements(f"{settlements.source} prices are from {settlements.trade_date}"
                               f" ({age} days old): not used")


# The current target range -------------------------------------------------------------
async def current_range(ctx: TopicContext) -> tuple[Decimal, Decimal]:
    """As the FOMC topic last published it, else the packaged history of ranges."""
    known = await ctx.snapshots.get_model(TARGET_RANGE_SNAPSHOT, TargetRange)
    if known is not None:
        return known.low, known.high
    history = TargetRangeHistory.packaged()
    return history.ranges[-1]


# Table → events -----------------------------------------------------------------------
def _meeting_event(meeting: Any) -> MeetingOddsEvent:
    return MeetingOddsEvent(meeting_date=meeting.decision_day,
                            probabilities=dict(meeting.probabilities), cut=meeting.cut,
                            hold=meeting.hold, hike=meeting.hike)


def compare_tables(
    table: OddsTable,
    previous_day: Mapping[str, Any] | None,
    previous_week: Mapping[str, Any] | None,
    *,
    level: float = CROSS_LEVEL,
    jump: float = JUMP_POINTS,
    summary: bool = False,
) -> list[OddsShift]:
    """Alerts for the next meeting: a crossing of ``level``, a jump, or the daily summary."""
    if not table.meetings:
        return []
    nxt = table.meetings[0]

    def before(stored: Mapping[str, Any] | None, move: str) -> float | None:
        if not stored:
            return None
        for meeting in stored.get("meetings", []):
            if meeting["date"] == nxt.decision_day.isoformat():
                return float(meeting[move])
        return None

    events: list[OddsShift] = []
    for move in ("cut", "hike"):
        now = float(getattr(nxt, move))
        day_ago, week_ago = before(previous_day, move), before(previous_week, move)
        reason = None
        if day_ago is not None and day_ago < level <= now:
            reason = "crossed_up"
        elif day_ago is not None and now < level <= day_ago:
            reason = "crossed_down"
        elif day_ago is not None and abs(now - day_ago) >= jump - 1e-9:
            reason = "jump"
        if reason is None:
            continue
        events.append(_shift(table, move, now, day_ago, week_ago, reason, level))
    if summary and not events:
        move = "cut" if nxt.cut >= nxt.hike else "hike"
        events.append(_shift(table, move, float(getattr(nxt, move)), before(previous_day, move),
                             before(previous_week, move), "summary", None))
    # "a day ago" is the last settlement day before (a Friday, on a Monday): named
    days = {"previous_day_as_of": _as_of(previous_day), "previous_week_as_of": _as_of(
        previous_week)}
    return [event.model_copy(update=days) for event in events]


def _as_of(stored: Mapping[str, Any] | None) -> date | None:
    try:
        return date.fromisoformat(str(stored["as_of"])) if stored else None
    except (KeyError, ValueError):
        return None


def _shift(table: OddsTable, move: str, now: float, day_ago: float | None,
           week_ago: float | None, reason: str, level: float | None) -> OddsShift:
    nxt = table.meetings[0]
    published = datetime.combine(table.as_of, time(18, 0), EASTERN).astimezone(UTC)
    return OddsShift(
        occurred_at=published, as_of=table.as_of, meeting_date=nxt.decision_day,
        move=move, probability=now, previous_day=day_ago, previous_week=week_ago,
        reason=reason, threshold=level,
        current_range=(Decimal(str(table.current_range[0])),
                       Decimal(str(table.current_range[1]))),
        meetings=tuple(_meeting_event(m) for m in table.meetings[:4]),
        chart=f"odds-{table.as_of.isoformat()}")


def charts_for(table: OddsTable, chart: str) -> dict[str, bytes]:
    # matplotlib is loaded when a chart is first drawn, not at start
    from bot.render.formatting import Formatter
    from bot.topics.odds.chart import odds_chart

    nxt = table.meetings[0]
    out = {}
    for language in Language.BOTH.singles:
        f = Formatter(language)
        buckets = []
        for label, probability in nxt.distribution:
            low, high = (int(x) / 100 for x in label.split("-"))
            buckets.append((f"{low:.2f}–{high:.2f}", probability))
        title = f._("Rate odds for the {meeting} FOMC meeting (futures settlements of "
                    "{day}, computed by fedalert)").format(meeting=f.date(nxt.decision_day),
                                                           day=f.date(table.as_of))
        out[f"{chart}.{language.value}.png"] = odds_chart(buckets, title, language)
    return out


class OddsState(Frozen):
    """What the odds watcher remembers: the settlement day of the last table it used."""

    trade_date: date | None = None
    source: str | None = None


# History ------------------------------------------------------------------------------
class OddsHistory:
    def __init__(self, ctx: TopicContext) -> None:
        self.state = ctx.state

    async def save(self, table: OddsTable) -> None:
        await self.state.history_put("odds", {table.as_of.isoformat():
                                             json.dumps(table.summary_json())})

    async def on_or_before(self, day: date, *, within_days: int) -> dict[str, Any] | None:
        """The latest stored table dated ``day`` or up to ``within_days`` earlier."""
        keys = await self.state.history_fields("odds")
        candidates = sorted(k for k in keys if (day - timedelta(days=within_days)).isoformat()
                            <= k <= day.isoformat())
        if not candidates:
            return None
        raw = await self.state.history_get("odds", candidates[-1])
        return json.loads(raw) if raw else None

    async def views(self, as_of: date) -> dict[str, Any]:
        """The next-meeting odds a day, a week and a month before ``as_of`` (CME's view)."""
        out = {}
        for name, days, slack in (("1d", 1, 3), ("1w", 7, 3), ("1m", 30, 4)):
            stored = await self.on_or_before(as_of - timedelta(days=days), within_days=slack)
            if stored and stored.get("meetings"):
                first = stored["meetings"][0]
                out[name] = {"as_of": stored["as_of"], "date": first["date"],
                             "cut": first["cut"], "hold": first["hold"], "hike": first["hike"]}
        return out


async def record_table(ctx: TopicContext, table: OddsTable, *, meeting_week: bool,
                       level: float = CROSS_LEVEL, jump: float = JUMP_POINTS,
                       ) -> list[tuple[OddsShift, dict[str, bytes]]]:
    """Store a day's table and update ``/odds``; returns the alerts it triggers, with charts."""
    history = OddsHistory(ctx)
    previous_day = await history.on_or_before(table.as_of - timedelta(days=1), within_days=3)
    previous_week = await history.on_or_before(table.as_of - timedelta(days=7), within_days=3)
    await history.save(table)
    events = compare_tables(table, previous_day, previous_week, level=level, jump=jump,
                            summary=meeting_week)
    snapshot = table.summary_json()
    snapshot["history"] = await history.views(table.as_of)
    chart_name = f"odds-{table.as_of.isoformat()}"
    if table.meetings:
        charts = charts_for(table, chart_name)
        for name, data in charts.items():
            await ctx.records.save_attachment(chart_name, name, data)
        snapshot["chart_event"] = chart_name
    await ctx.snapshots.set_model(ODDS_SNAPSHOT, OddsSnapshot.model_validate(snapshot))
    await remember_expectations(ctx, table)
    out = []
    for event in events:
        charts = {}
        for language in Language.BOTH.singles:
            name = f"{chart_name}.{language.value}.png"
            stored = await ctx.records.load_attachment(chart_name, name)
            if stored:
                charts[name] = stored
        out.append((event, charts))
    return out


async def remember_expectations(ctx: TopicContext, table: OddsTable) -> None:
    """What the futures price for each coming decision, for the FOMC topic's "as expected"
    line; each meeting keeps its last reading from before the decision for a month."""
    low = Decimal(str(table.current_range[0]))
    for meeting in table.meetings[:1]:
        moves: dict[int, float] = {}
        for label, probability in meeting.probabilities.items():
            bucket_low = Decimal(label.split("-")[0]) / 100
            moves[int((bucket_low - low) * 100)] = probability
        await ctx.snapshots.set_model(
            market_expectation_snapshot(meeting.decision_day),
            MarketExpectation(meeting_date=meeting.decision_day, as_of=table.as_of,
                              current_low=low, moves=moves),
            ttl_seconds=35 * 86400)


# The watcher --------------------------------------------------------------------------
class OddsWatcher(PollingWatcher):
    name = "odds"

    def __init__(self, ctx: TopicContext, *, client: httpx.AsyncClient | None = None,
                 calendar: FomcCalendar | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.ctx = ctx
        self.settings = ctx.settings
        self.client = client
        self.calendar = calendar or load_calendar()
        self.follow_refreshed_calendar = calendar is None
        self.clock = clock or (lambda: datetime.now(UTC))
        self.backoff = Backoff("odds: no odds computed, the settlements", log, base=30, cap=1800)

    async def step(self) -> float:
        interval = self.settings.odds.poll_minutes * 60
        try:
            await self.check()
            self.backoff.succeeded()
            return interval
        except (httpx.HTTPError, OddsInputError, ValueError) as exc:
            reason = "stale" if isinstance(exc, StaleSettlements) else describe_error(exc)
            metrics.SOURCE_ERRORS.labels("odds", reason).inc()
            delay = min(self.backoff.failed(f"{reason}: {exc}"), interval)
            log.debug("odds: %s (%s); no odds computed; next try in %.0f s", exc, reason, delay)
            return delay

    async def check(self) -> list[OddsShift] | None:
        assert self.client is not None
        if self.follow_refreshed_calendar:
            self.calendar = await self.ctx.calendar.current()
        source = make_source(self.settings, self.client)
        now = self.clock()
        today = now.astimezone(EASTERN).date()
        settlements = await source.fetch(today)
        check_fresh(settlements, today)
        state = await self.ctx.state.get_model("odds", OddsState) or OddsState()
        if state.trade_date == settlements.trade_date:
            return None
        low, high = await current_range(self.ctx)
        table = compute_odds(settlements.prices, self.calendar.decision_days,
                             settlements.trade_date, (low, high), self.settings.odds.day_count)
        meeting_week = bool(table.meetings) and \
            (table.meetings[0].decision_day - settlements.trade_date).days <= MEETING_WEEK_DAYS
        alerts = await record_table(self.ctx, table, meeting_week=meeting_week,
                                    level=self.settings.odds.alert_level,
                                    jump=self.settings.odds.alert_jump)
        events = [event for event, _ in alerts]
        if state.trade_date:  # the first table after a start is history, not news
            for event, charts in alerts:
                await self.ctx.publisher.publish(event, attachments=charts)
        await self.ctx.state.set_model("odds", OddsState(trade_date=settlements.trade_date,
                                                         source=settlements.source))
        metrics.SOURCE_POLLS.labels("odds", "new").inc()
        log.info("odds: %s from %s, next meeting %s cut %.1f%%, %d alerts",
                 settlements.trade_date, settlements.source,
                 table.meetings[0].decision_day if table.meetings else "-",
                 (table.meetings[0].cut * 100) if table.meetings else 0, len(events))
        return events


# fedalert check -----------------------------------------------------------------------
async def check(settings: Settings) -> list[CheckResult]:
    async with make_http_client(settings) as client:
        name = f"odds: {settings.odds.source} settlements"
        try:
            source = make_source(settings, client)
            today = datetime.now(EASTERN).date()
            settlements = await source.fetch(today)
            name = f"odds: {source.serving} settlements (of {settings.odds.source})"
            calendar = load_calendar()

            table = compute_odds(settlements.prices, calendar.decision_days,
                                 settlements.trade_date, TargetRangeHistory.packaged()
                                 .ranges[-1], settings.odds.day_count)
            first = table.meetings[0]
            return [CheckResult(name, True,
                                f"{len(settlements.prices)} months settled "
                                f"{settlements.trade_date}; {first.decision_day}: cut "
                                f"{first.cut:.1%} hold {first.hold:.1%} hike {first.hike:.1%}")]
        except Exception as exc:
            return [CheckResult(name, False, f"{describe_error(exc)}: {exc}")]


# demo ---------------------------------------------------------------------------------
async def handle_demo_settlements(reading: Mapping[str, Any],
                                  demo: DemoContext) -> list[Publication]:
    """A day's settlements from the scenario: the same table, history and alerts path."""
    data = reading["data"]
    as_of = date.fromisoformat(data["trade_date"])
    prices = parse_settlements_text(json.dumps(data["settlements"]))
    low, high = await current_range(demo.topic)
    calendar = await demo.topic.calendar.current()
    table = compute_odds(prices, calendar.decision_days, as_of, (low, high), "cme")

    meeting_week = (table.meetings[0].decision_day - as_of).days <= MEETING_WEEK_DAYS
    alerts = await record_table(demo.topic, table, meeting_week=meeting_week)
    return [Publication(event, attachments=charts) for event, charts in alerts]


DEMO_HANDLERS = {"odds_settlements": handle_demo_settlements}
