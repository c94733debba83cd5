"""H.4.1 watcher: the weekly balance sheet, its QT/QE regime and chart.

The release page ``releases/h41/current/`` is polled often on release afternoons
(Thursday, or Friday after a Thursday holiday: from 16:29 ET) and rarely otherwise; a new
release is recognised by its content (the "Release Date:" line), never by the clock.
FRED's key-less ``fredgraph.csv`` back-fills the weekly history on first start and stands
in when the Fed page cannot be read. The history lives in Redis; each new week yields
one weekly event, plus a regime event when QT/QE/flat changes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from bot import metrics
from bot.config import Settings
from bot.domain.chats import ChatRef, Language
from bot.domain.events import Frozen
from bot.domain.holidays import h41_release_after
from bot.domain.programs import (
    BALANCE_SHEET_PROGRAMS_SNAPSHOT,
    ProgramChanges,
    ProgramHistory,
)
from bot.topics.base import CheckResult, DemoContext, PollingWatcher, Publication, TopicContext
from bot.topics.h41.events import BalanceSheetRelease, LiquidityAlert, RegimeChange
from bot.topics.h41.liquidity import LiquidityRule, fires, rules_from_json, values_of
from bot.topics.h41.parse import (
    H41ParseError,
    H41Week,
    merge_weeks,
    parse_fred_csv,
    parse_release,
    release_date_of,
)
from bot.topics.h41.regime import change_over, contradicts, regimes_of, trend_regimes
from bot.topics.http import Backoff, describe_error, get_bounded, make_http_client

log = logging.getLogger(__name__)
RECENT_KEPT = 20

EASTERN = ZoneInfo("America/New_York")
CURRENT_PATH = "/releases/h41/current/"
FRED_IDS = "WALCL,TREAST,WSHOMCB,WSHOSHO,WRESBAL"
LIQUIDITY_IDS = "WDTGAL,WLRRAL,RRPONTSYD,WCURCIR"  # fetched apart: best effort
PEAK_WEEK, PEAK_TOTAL = date(2022, 4, 13), 8_965_487  # the QE peak, for the drawdown line
CHART_WEEKS = 104
RELEASE_WINDOW = (time(16, 29), time(19, 0))
QUIET_POLL_SECONDS = 900.0


def fred_url(base_url: str, start: date | None = None, ids: str = FRED_IDS) -> str:
    url = f"{base_url}/graph/fredgraph.csv?id={ids}"
    return url + (f"&cosd={start.isoformat()}" if start else "")


# Pure: history → event ----------------------------------------------------------------
def build_events(
    history: Sequence[H41Week],
    *,
    released_at: datetime,
    url: str | None,
    late: bool = False,
    programs: ProgramHistory | None = None,
) -> tuple[BalanceSheetRelease, RegimeChange | None]:
    """The weekly event for the last week of ``history`` (and a regime event if the
    program in force changed since the week before)."""
    weeks = [w for w in history if w.total_assets is not None and w.securities is not None]
    if not weeks:
        raise H41ParseError("no complete week in the history")
    programs = programs or ProgramHistory.packaged()
    latest = weeks[-1]
    previous = weeks[-2] if len(weeks) > 1 else None
    regimes = regimes_of(weeks, programs)
    program = programs.at(latest.week_ending)
    totals = [w.total_assets for w in weeks]
    securities = [w.securities for w in weeks]

    def wow(field: str) -> int | None:
        if previous is None or previous.week_ending < latest.week_ending - timedelta(days=8):
            return None
        now, before = getattr(latest, field), getattr(previous, field)
        return None if now is None or before is None else now - before

    total_1w = wow("total_assets")
    if total_1w is None:
        total_1w = latest.total_assets_change_1w
    peak_total, peak_week = PEAK_TOTAL, PEAK_WEEK
    for week in weeks:
        if week.total_assets and week.total_assets > peak_total:
            peak_total, peak_week = week.total_assets, week.week_ending
    chart = f"h41-{latest.week_ending.isoformat()}"
    event = BalanceSheetRelease(
        occurred_at=released_at, late=late, week_ending=latest.week_ending,
        release_date=latest.release_date or h41_release_after(latest.week_ending),
        total_assets=latest.total_assets, securities=latest.securities,
        treasuries=latest.treasuries or 0, mbs=latest.mbs or 0, reserves=latest.reserves,
        reserves_basis="week_average" if latest.reserves is not None else "wednesday",
        total_assets_change_1w=total_1w, securities_change_1w=wow("securities"),
        treasuries_change_1w=wow("treasuries"), mbs_change_1w=wow("mbs"),
        reserves_change_1w=wow("reserves"),
        total_assets_change_4w=change_over(totals, 4),  # type: ignore[arg-type]
        total_assets_change_13w=change_over(totals, 13),  # type: ignore[arg-type]
        total_assets_change_52w=change_over(totals, 52),  # type: ignore[arg-type]
        securities_change_13w=change_over(securities, 13),  # type: ignore[arg-type]
        reserves_wednesday=latest.reserves_wednesday, tga=latest.tga,
        on_rrp=latest.on_rrp, reverse_repos=latest.reverse_repos, currency=latest.currency,
        tga_change_1w=wow("tga"), on_rrp_change_1w=wow("on_rrp"),
        net_liquidity=latest.net_liquidity,
        net_liquidity_change_1w=_net_change(weeks, 1),
        net_liquidity_change_4w=_net_change(weeks, 4),
        net_liquidity_change_13w=_net_change(weeks, 13),
        peak_total_assets=peak_total if latest.week_ending > peak_week else None,
        peak_week=peak_week if latest.week_ending > peak_week else None,
        regime=regimes[-1], regime_since=programs.since(latest.week_ending),
        treasury_cap=program.treasury_cap if program and program.regime == "QT" else None,
        mbs_cap=program.mbs_cap if program and program.regime == "QT" else None,
        chart=chart, url=url,
    )
    regime_event = None
    if len(regimes) > 1 and regimes[-1] != regimes[-2]:
        regime_event = RegimeChange(
            occurred_at=released_at, week_ending=latest.week_ending, previous=regimes[-2],
            regime=regimes[-1], securities=latest.securities,
            securities_change_13w=change_over(securities, 13) or 0,  # type: ignore[arg-type]
            effective=event.regime_since, announced=program.announced if program else None)
    return event, regime_event


def _net_change(weeks: Sequence[H41Week], back: int) -> int | None:
    """Net liquidity now minus ``back`` weeks earlier (None when either is unknown)."""
    if len(weeks) <= back:
        return None
    now, then = weeks[-1].net_liquidity, weeks[-1 - back].net_liquidity
    if now is None or then is None or \
            weeks[-1].week_ending - weeks[-1 - back].week_ending > timedelta(days=7 * back + 1):
        return None
    return now - then


async def check_liquidity_rules(ctx: TopicContext, event: BalanceSheetRelease,
                                batch: int = 1000) -> int:
    """Chats' ``/liquidity`` rules against this week's release: one alert per rule met,
    to the chats that set it. Returns the chats alerted."""
    by_rule: dict[LiquidityRule, list[ChatRef]] = {}
    async for ref, raw in ctx.registry.subscriber_fields("h41", "liquidity", batch):
        for rule in rules_from_json(raw):
            if fires(rule, event):
                by_rule.setdefault(rule, []).append(ref)
    for rule, chats in by_rule.items():
        value, change = values_of(event, rule.metric)
        assert value is not None
        await ctx.publisher.publish(LiquidityAlert(
            occurred_at=event.occurred_at, late=event.late, week_ending=event.week_ending,
            metric=rule.metric, test=rule.test, threshold=rule.millions, value=value,
            change_1w=change, url=event.url), chats=chats)
    return sum(len(c) for c in by_rule.values())


def check_trend(history: Sequence[H41Week], event: BalanceSheetRelease) -> bool:
    """Log (and count) a week whose securities trend contradicts the announced program."""
    weeks = [w for w in history if w.total_assets is not None and w.securities is not None]
    trend = trend_regimes(weeks)
    if trend and contradicts(event.regime, trend[-1], event.regime_since, event.week_ending):
        log.warning("h41: week %s: the FOMC's program says %s but securities trend %s",
                    event.week_ending, event.regime, trend[-1])
        metrics.REGIME_DISAGREEMENTS.inc()
        return False
    return True


async def program_history(ctx: TopicContext) -> ProgramHistory:
    """The packaged programs plus those announced in statements since (FOMC topic)."""
    stored = await ctx.snapshots.get_model(BALANCE_SHEET_PROGRAMS_SNAPSHOT, ProgramChanges)
    return ProgramHistory.packaged(stored.changes if stored else ())


def charts_for(history: Sequence[H41Week], chart: str,
               programs: ProgramHistory | None = None) -> dict[str, bytes]:
    # matplotlib costs ~3 s and ~40 MB at import: load it when the weekly chart is drawn
    from bot.topics.h41.chart import balance_sheet_chart

    """The chart in each language, named ``<chart>.<language>.png``."""
    weeks = [w for w in history if w.total_assets is not None and w.securities is not None]
    regimes = regimes_of(weeks, programs)
    tail = weeks[-CHART_WEEKS:]
    tail_regimes = regimes[-CHART_WEEKS:]
    return {
        f"{chart}.{language.value}.png": balance_sheet_chart(
            [w.week_ending for w in tail], [w.total_assets for w in tail],  # type: ignore[misc]
            [w.securities for w in tail], tail_regimes, language,  # type: ignore[misc]
            [w.net_liquidity for w in tail])
        for language in Language.BOTH.singles
    }


def release_moment(release_date: date) -> datetime:
    return datetime.combine(release_date, time(16, 30), EASTERN).astimezone(UTC)


class H41State(Frozen):
    """What the H.4.1 watcher remembers between polls."""

    initialized: bool = False  # the first release seen after a start is the baseline
    etag: str | None = None
    release_date: date | None = None  # of the release last read
    last_week: date | None = None  # the latest week announced (or back-filled)


# History in Redis ---------------------------------------------------------------------
class H41History:
    def __init__(self, ctx: TopicContext) -> None:
        self.state = ctx.state

    async def add(self, weeks: Sequence[H41Week]) -> None:
        if not weeks:
            return
        current = {w.week_ending: w for w in await self.all()}
        merged = merge_weeks(current.values(), weeks)
        await self.state.history_put("h41", {
            w.week_ending.isoformat(): json.dumps(asdict(w), default=str) for w in merged
            if w.week_ending in {x.week_ending for x in weeks}})

    async def all(self) -> list[H41Week]:
        raw = await self.state.history_all("h41")
        weeks = []
        for value in raw.values():
            data = json.loads(value)
            for field in ("week_ending", "release_date"):
                if data.get(field):
                    data[field] = date.fromisoformat(data[field])
            weeks.append(H41Week(**data))
        return sorted(weeks, key=lambda w: w.week_ending)


# The watcher --------------------------------------------------------------------------
class H41Watcher(PollingWatcher):
    name = "h41"

    def __init__(self, ctx: TopicContext, *, client: httpx.AsyncClient | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.ctx = ctx
        self.settings = ctx.settings
        self.client = client
        self.clock = clock or (lambda: datetime.now(UTC))
        self.history = H41History(ctx)
        self.backoff = Backoff("h41: the release page", log)
        self.published: list[BalanceSheetRelease] = []  # the latest RECENT_KEPT releases
        self.state_name = "h41"
        self.deadline = max(10.0, 3 * self.settings.http_timeout_seconds)

    def in_release_window(self, now: datetime) -> bool:
        local = now.astimezone(EASTERN)
        return local.weekday() in (3, 4) and RELEASE_WINDOW[0] <= local.time() < \
            RELEASE_WINDOW[1]

    async def state(self) -> H41State:
        return await self.ctx.state.get_model(self.state_name, H41State) or H41State()

    async def save_state(self, state: H41State) -> None:
        await self.ctx.state.set_model(self.state_name, state)

    async def step(self) -> float:
        window = self.in_release_window(self.clock())
        interval = self.settings.fed.h41_poll_seconds if window else QUIET_POLL_SECONDS
        try:
            await self.check()
            self.backoff.succeeded()
            return interval
        except (httpx.HTTPError, H41ParseError, ValueError) as exc:
            reason = describe_error(exc)
            metrics.SOURCE_ERRORS.labels("h41", reason).inc()
            delay = min(self.backoff.failed(f"{reason}: {exc}"), interval)
            log.debug("h41: poll failed (%s: %s); next try in %.0f s", reason, exc, delay)
            if self.backoff.failures >= 3:
                await self.fallback_to_fred()
            return delay

    async def check(self) -> BalanceSheetRelease | None:
        """One look at the current release page; announces a new week once."""
        assert self.client is not None
        state = await self.state()
        if not state.initialized:
            await self.backfill()
        headers = {}
        if state.etag:
            headers["If-None-Match"] = state.etag
        response = await get_bounded(self.client, self.settings.fed.base_url + CURRENT_PATH,
                                     headers=headers, deadline=self.deadline)
        metrics.SOURCE_POLLS.labels("h41_page", str(response.status_code)).inc()
        if response.status_code == 304:
            return None
        response.raise_for_status()
        text = response.text
        release = release_date_of(text)
        state = await self.state()
        if release is not None and state.release_date == release:
            return None
        week = parse_release(text)  # raises on a half-written or re-arranged page
        event = await self.accept(week, url=f"https://www.federalreserve.gov/releases/h41/"
                                            f"{week.release_date:%Y%m%d}/"
                                  if week.release_date else None,
                                  announce=state.initialized)
        state = (await self.state()).model_copy(update={
            "release_date": week.release_date or release or week.week_ending,
            "initialized": True, "etag": response.headers.get("ETag")})
        await self.save_state(state)
        return event

    async def accept(self, week: H41Week, *, url: str | None, announce: bool,
                     source: str = "page") -> BalanceSheetRelease | None:
        last = (await self.state()).last_week
        if announce and last and week.week_ending <= last:
            return None  # an older or already announced week
        await self.history.add([week])
        history = await self.history.all()
        released_at = release_moment(week.release_date or h41_release_after(week.week_ending))
        late = self.clock() - released_at > timedelta(hours=6)
        programs = await program_history(self.ctx)
        event, regime_event = build_events(history, released_at=released_at, url=url,
                                           late=late, programs=programs)
        check_trend(history, event)
        await self.save_state((await self.state()).model_copy(
            update={"last_week": week.week_ending}))
        if not announce:
            log.info("h41: first start, baseline week %s", week.week_ending)
            await self.ctx.snapshots.set_latest_event("h41", event.key)
            await self.ctx.records.save_event(event, {"topic": "h41"})
            await self.ctx.records.mark_done(event.key)
            return None
        attachments = charts_for(history, event.chart or "h41", programs)
        await self.ctx.publisher.publish(event, attachments=attachments)
        await self.ctx.snapshots.set_latest_event("h41", event.key)
        if regime_event is not None:
            await self.ctx.publisher.publish(regime_event)
        await check_liquidity_rules(self.ctx, event)
        self.published.append(event)
        del self.published[:-RECENT_KEPT]
        log.info("h41: week %s total %d (%s, via %s)", week.week_ending, week.total_assets or 0,
                 event.regime, source)
        return event

    async def backfill(self) -> int:
        """First start: load about two years of weeks from FRED (no alert for them)."""
        assert self.client is not None
        start = self.clock().date() - timedelta(days=800)
        try:
            response = await get_bounded(self.client,
                                         fred_url(self.settings.fred.base_url, start),
                                         deadline=self.deadline)
            response.raise_for_status()
            weeks = parse_fred_csv(response.text)
        except (httpx.HTTPError, H41ParseError) as exc:
            log.log(logging.DEBUG if self.backoff.failures else logging.INFO,  # said once
                    "h41: no FRED back-fill (%s); the history starts with the next release",
                    describe_error(exc))
            return 0
        complete = [w for w in weeks if w.total_assets is not None]
        await self.history.add(complete)
        if complete:
            await self.save_state((await self.state()).model_copy(
                update={"last_week": complete[-1].week_ending}))
        log.info("h41: back-filled %d weeks from FRED", len(complete))
        await self.backfill_liquidity(start, {w.week_ending for w in complete})
        return len(complete)

    async def backfill_liquidity(self, start: date, weeks: set[date]) -> None:
        """The liquidity lines of the same weeks (TGA, reverse repos, ON RRP, currency);
        without them the alerts simply leave those lines out."""
        assert self.client is not None
        try:
            response = await get_bounded(
                self.client, fred_url(self.settings.fred.base_url, start, LIQUIDITY_IDS),
                deadline=self.deadline)
            response.raise_for_status()
            rows = parse_fred_csv(response.text)
        except (httpx.HTTPError, H41ParseError) as exc:
            log.info("h41: no FRED liquidity back-fill (%s)", describe_error(exc))
            return
        # RRPONTSYD is daily: keep the Wednesdays the weekly history has
        await self.history.add([w for w in rows if w.week_ending in weeks])

    async def fallback_to_fred(self) -> BalanceSheetRelease | None:
        """The Fed page keeps failing: take a newer week from FRED if it has one."""
        assert self.client is not None
        state = await self.state()
        if not state.initialized:
            return None
        start = state.last_week
        try:
            response = await get_bounded(self.client,
                                         fred_url(self.settings.fred.base_url, start),
                                         deadline=self.deadline)
            response.raise_for_status()
            weeks = [w for w in parse_fred_csv(response.text)
                     if w.total_assets is not None and w.securities is not None]
        except (httpx.HTTPError, H41ParseError) as exc:
            log.warning("h41: FRED fallback failed too (%s)", describe_error(exc))
            return None
        if not weeks or (start and weeks[-1].week_ending <= start):
            return None
        return await self.accept(weeks[-1], url=None, announce=True, source="FRED")


# fedalert check -----------------------------------------------------------------------
async def check(settings: Settings) -> list[CheckResult]:
    results = []
    async with make_http_client(settings) as client:
        try:
            response = await client.get(settings.fed.base_url + CURRENT_PATH)
            response.raise_for_status()
            week = parse_release(response.text)
            results.append(CheckResult(
                "fed: H.4.1 current release", True,
                f"released {week.release_date}, week {week.week_ending}: total assets "
                f"{week.total_assets:,}, securities {week.securities:,} (millions)"))
        except Exception as exc:
            results.append(CheckResult("fed: H.4.1 current release", False,
                                       f"{describe_error(exc)}: {exc}"))
        try:
            response = await client.get(fred_url(settings.fred.base_url,
                                                 datetime.now(UTC).date() - timedelta(days=21)))
            response.raise_for_status()
            weeks = parse_fred_csv(response.text)
            results.append(CheckResult("fred: fredgraph.csv (H.4.1 series)", True,
                                       f"{len(weeks)} weeks, latest {weeks[-1].week_ending}"))
        except Exception as exc:
            results.append(CheckResult("fred: fredgraph.csv (H.4.1 series)", False,
                                       f"{describe_error(exc)}: {exc}"))
    return results


# demo ---------------------------------------------------------------------------------
async def handle_demo_release(reading: Mapping[str, Any],
                              demo: DemoContext) -> list[Publication]:
    """A scenario reading: the weekly history from FRED up to the week being released."""

    data = reading["data"]
    weeks = [w for w in parse_fred_csv(data["fred_csv"])
             if w.total_assets is not None and w.securities is not None]
    release = date.fromisoformat(data["release_date"])
    weeks[-1] = H41Week(**{**asdict(weeks[-1]), "release_date": release})
    event, regime_event = build_events(weeks, released_at=release_moment(release),
                                       url=data.get("url"))
    attachments = charts_for(weeks, event.chart or "h41")
    await demo.topic.snapshots.set_latest_event("h41", event.key)
    publications = [Publication(event, attachments=attachments)]
    if regime_event is not None:
        publications.append(Publication(regime_event))
    return publications


DEMO_HANDLERS = {"h41_release": handle_demo_release}
