"""The rest of a meeting day, after the statement: each piece from its primary source.

- the implementation note (``monetaryYYYYMMDDa1.htm``) when the decision alert went out
  without it (the statement watcher folds it in when it is there in time);
- the Summary of Economic Projections (``fomcprojtablYYYYMMDD.htm``) at the quarterly
  meetings, with the dot plot, against the previous projections;
- the press conference reminder at 2:30 pm ET, with the live link;
- Bitcoin's reaction 30 and 120 minutes after the statement, to chats that follow both;
- the minutes (``fomcminutesYYYYMMDD.htm``) about three weeks later.
Pages are polled every few seconds only in their windows; the rest of the time the watcher
sleeps until the next window opens. What was sent lives in Redis, so a restart never sends
a piece twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import httpx

from bot import metrics
from bot.domain.calendar import FomcCalendar, load_calendar, preview_moment
from bot.domain.chats import ChatRef
from bot.domain.events import Frozen
from bot.domain.ports import (
    BTC_PRICE_SNAPSHOT,
    TARGET_RANGE_SNAPSHOT,
    LatestPrice,
    MarketExpectation,
    TargetRange,
    market_expectation_snapshot,
)
from bot.topics.base import PollingWatcher, TopicContext
from bot.topics.fomc.events import (
    BitcoinReaction,
    Expectation,
    FomcDecision,
    MeetingPreview,
    MinutesRelease,
    NoteFollowUp,
    NoteRates,
    PressConference,
    ProjectionsRelease,
)
from bot.topics.fomc.minutes import minutes_highlights
from bot.topics.fomc.note import ImplementationNote, NoteParseError, parse_note
from bot.topics.fomc.projections import Projections, ProjectionsParseError, parse_projections
from bot.topics.http import describe_error, get_bounded, hosts_of

log = logging.getLogger(__name__)
EASTERN = ZoneInfo("America/New_York")
FED_URL = "https://www.federalreserve.gov"
SAMPLE_EVERY = 15.0  # the BTC composite, read for the reaction's high and low
IDLE_POLL = 300.0
NOTE_WINDOW = timedelta(hours=1)
SEP_WINDOW = timedelta(hours=1)
PRESSER_AFTER = timedelta(minutes=30)
REACTIONS = (30, 120)  # minutes after the statement
MINUTES_AFTER = timedelta(days=21)
MINUTES_SLACK = timedelta(days=3)
SEP_MONTHS = (3, 6, 9, 12)


PREVIEW_LOOKAHEAD = timedelta(hours=30)
ZONES_FOR = timedelta(minutes=10)


def note_url(base: str, day: date) -> str:
    return f"{base}/newsevents/pressreleases/monetary{day:%Y%m%d}a1.htm"


def projections_url(base: str, day: date) -> str:
    return f"{base}/monetarypolicy/fomcprojtabl{day:%Y%m%d}.htm"


def presser_url(day: date) -> str:
    return f"{FED_URL}/monetarypolicy/fomcpresconf{day:%Y%m%d}.htm"


def minutes_url(base: str, day: date) -> str:
    return f"{base}/monetarypolicy/fomcminutes{day:%Y%m%d}.htm"


def belongs_to(note: ImplementationNote, day: date) -> bool:
    """A note takes effect the day after its meeting (a few days after, around holidays):
    last meeting's page still at the URL must not pass for today's."""
    return note.effective is None or 0 <= (note.effective - day).days <= 7


def notes_from(note: ImplementationNote) -> NoteRates:
    """The parsed note as the events carry it (the same fields)."""
    return NoteRates.model_validate(asdict(note))


def medians_of(projections: Projections) -> dict[str, dict[str, Decimal]]:
    return {name: dict(row) for name, row in projections.medians.items()}


class MeetingState(Frozen):
    """What was done for one meeting (by decision day)."""

    day: date
    note: bool = False
    projections: bool = False
    presser: bool = False
    minutes: bool = False
    reactions: tuple[int, ...] = ()
    previews: tuple[str, ...] = ()  # time zones whose evening preview went out
    release_price: Decimal | None = None
    high: Decimal | None = None
    low: Decimal | None = None


class LastProjections(Frozen):
    day: date
    medians: dict[str, dict[str, Decimal]]


class MeetingDayWatcher(PollingWatcher):
    name = "fomc_meeting_day"

    def __init__(self, ctx: TopicContext, *, client: httpx.AsyncClient | None = None,
                 calendar: FomcCalendar | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.ctx = ctx
        self.settings = ctx.settings
        self.base_url = self.settings.fed.base_url
        self.fed_hosts = hosts_of(self.base_url, FED_URL)
        self.client = client
        self.calendar = calendar or load_calendar()
        self.follow_refreshed_calendar = calendar is None
        self.clock = clock or (lambda: datetime.now(UTC))
        self._zone_cache: tuple[datetime, dict[str, list[ChatRef]]] | None = None

    @property
    def fast(self) -> float:
        """Polls in a page's window, as the statement's: every ``fed.burst_poll_seconds``."""
        return self.settings.fed.burst_poll_seconds

    async def fetch(self, url: str) -> str | None:
        """The page, or None while it is not there yet (404)."""
        assert self.client is not None
        response = await get_bounded(self.client, url, allowed_hosts=self.fed_hosts,
                                     deadline=max(10.0, 3 * self.settings.http_timeout_seconds))
        metrics.SOURCE_POLLS.labels(self.name, str(response.status_code)).inc()
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return response.text

    # State ---------------------------------------------------------------------------
    async def meeting(self, day: date) -> MeetingState:
        stored = await self.ctx.state.get_model(f"fomc_day:{day.isoformat()}", MeetingState)
        return stored or MeetingState(day=day)

    async def save(self, state: MeetingState) -> None:
        await self.ctx.state.set_model(f"fomc_day:{state.day.isoformat()}", state)

    # Loop ----------------------------------------------------------------------------
    async def step(self) -> float:
        if self.follow_refreshed_calendar:
            self.calendar = await self.ctx.calendar.current()
        now = self.clock()
        waits = [IDLE_POLL]
        for day in self._recent_days(now):
            try:
                waits.append(await self.follow(day, now))
            except (httpx.HTTPError, ValueError) as exc:
                reason = describe_error(exc)
                metrics.SOURCE_ERRORS.labels(self.name, reason).inc()
                log.warning("fomc meeting day %s: %s (%s)", day, reason, exc)
                waits.append(self.fast * 2)
        return min(waits)

    def _recent_days(self, now: datetime) -> list[date]:
        """Decision days with something still to do: tomorrow's (the preview) and those of
        the last weeks (up to the minutes)."""
        today = now.astimezone(EASTERN).date()
        return [d for d in self.calendar.decision_days
                if d - timedelta(days=2) <= today <= d + MINUTES_AFTER + MINUTES_SLACK]

    async def follow(self, day: date, now: datetime) -> float:
        """Everything due for the meeting of ``day``; returns when to look again."""
        statement_at = datetime.combine(day, time(14, 0), EASTERN).astimezone(UTC)
        state = await self.meeting(day)
        decision = await self._decision(day)
        waits = [IDLE_POLL]
        if now < statement_at:
            state, wait = await self._previews(day, state, statement_at, now)
            waits.append(wait)
        if now >= statement_at - timedelta(seconds=30):
            if day.month in SEP_MONTHS and not state.projections and \
                    now <= statement_at + SEP_WINDOW:
                state = await self._projections(day, state)
                waits.append(self.fast)
            if decision is not None:
                if not state.note and decision.note is None and \
                        now <= statement_at + NOTE_WINDOW:
                    state = await self._note(day, state)
                    waits.append(self.fast)
                state = await self._presser(day, state, statement_at, now)
                state, wait = await self._reaction(day, state, decision, now)
                waits.append(wait)
        elif now >= statement_at - timedelta(minutes=5):
            waits.append((statement_at - timedelta(seconds=30) - now).total_seconds())
        if not state.minutes and now >= statement_at + MINUTES_AFTER - MINUTES_SLACK:
            state, wait = await self._minutes(day, state, statement_at, now)
            waits.append(wait)
        await self.save(state)
        return max(0.5, min(waits))

    async def _decision(self, day: date) -> FomcDecision | None:
        latest = await self.ctx.snapshots.latest_event("fomc")
        if isinstance(latest, FomcDecision) and latest.meeting_date == day:
            return latest
        return None

    # The pieces ----------------------------------------------------------------------
    async def _note(self, day: date, state: MeetingState) -> MeetingState:
        page = await self.fetch(note_url(self.base_url, day))
        if page is None:
            return state
        try:
            note = parse_note(page)
        except NoteParseError as exc:
            log.warning("fomc: implementation note of %s unreadable (%s)", day, exc)
            return state
        if not belongs_to(note, day):
            log.warning("fomc: the note at the URL of %s is dated %s; ignored", day,
                        note.effective)
            return state
        await self.ctx.publisher.publish(NoteFollowUp(
            occurred_at=self.clock(), meeting_date=day, rates=notes_from(note),
            url=note_url(FED_URL, day)))
        log.info("fomc: implementation note of %s sent as a follow-up", day)
        return state.model_copy(update={"note": True})

    async def _projections(self, day: date, state: MeetingState) -> MeetingState:
        page = await self.fetch(projections_url(self.base_url, day))
        if page is None:
            return state
        try:
            projections = await asyncio.to_thread(parse_projections, page)
        except ProjectionsParseError as exc:
            log.warning("fomc: projections of %s unreadable (%s)", day, exc)
            return state
        last = await self.ctx.state.get_model("fomc_sep_last", LastProjections)
        previous = last if last is not None and last.day < day else None
        chart = None
        attachments: dict[str, bytes] = {}
        if projections.dots is not None:
            from bot.topics.fomc.dot_chart import dot_plot_charts  # matplotlib: on first use

            chart = f"sep-{day.isoformat()}"
            attachments = dot_plot_charts(projections.dots, chart, day)
        event = ProjectionsRelease(
            occurred_at=self.clock(), meeting_date=day, medians=medians_of(projections),
            previous=previous.medians if previous else None,
            previous_date=previous.day if previous else None, chart=chart,
            url=projections_url(FED_URL, day))
        await self.ctx.publisher.publish(event, attachments=attachments)
        await self.ctx.state.set_model("fomc_sep_last", LastProjections(
            day=day, medians=medians_of(projections)))
        return state.model_copy(update={"projections": True})

    async def _presser(self, day: date, state: MeetingState, statement_at: datetime,
                       now: datetime) -> MeetingState:
        starts = statement_at + PRESSER_AFTER
        if state.presser or not self.settings.fed.press_conference_reminder or \
                not (starts - timedelta(minutes=1) <= now <= starts + timedelta(minutes=30)):
            return state
        await self.ctx.publisher.publish(PressConference(
            occurred_at=now, meeting_date=day, starts_at=starts, url=presser_url(day)))
        return state.model_copy(update={"presser": True})

    async def _reaction(self, day: date, state: MeetingState, decision: FomcDecision,
                        now: datetime) -> tuple[MeetingState, float]:
        released = decision.occurred_at
        if decision.late or now > released + timedelta(minutes=max(REACTIONS) + 10):
            return state, IDLE_POLL
        price = await self.ctx.snapshots.get_model(BTC_PRICE_SNAPSHOT, LatestPrice)
        if price is None or price.at is None or now - price.at > timedelta(minutes=2):
            return state, SAMPLE_EVERY  # no fresh composite: say nothing rather than guess
        if state.release_price is None:
            if now - released > timedelta(minutes=2):
                return state, IDLE_POLL  # the price at release was not seen: no reaction
            state = state.model_copy(update={"release_price": price.price, "high": price.price,
                                             "low": price.price})
        high = max(state.high or price.price, price.price)
        low = min(state.low or price.price, price.price)
        state = state.model_copy(update={"high": high, "low": low})
        for minutes in REACTIONS:
            if minutes in state.reactions or now < released + timedelta(minutes=minutes):
                continue
            chats = await fomc_and_btc_chats(self.ctx)
            if chats:
                assert state.release_price is not None
                await self.ctx.publisher.publish(BitcoinReaction(
                    occurred_at=now, meeting_date=day, minutes_after=minutes,
                    price_at_release=state.release_price, price_now=price.price,
                    high=high, low=low), chats=chats)
            state = state.model_copy(update={"reactions": (*state.reactions, minutes)})
        return state, SAMPLE_EVERY

    async def _previews(self, day: date, state: MeetingState, statement_at: datetime,
                        now: datetime) -> tuple[MeetingState, float]:
        """A preview in each subscriber time zone at its evening before the statement."""
        if not self.settings.fed.meeting_preview or now < statement_at - PREVIEW_LOOKAHEAD:
            return state, max(1.0, (statement_at - PREVIEW_LOOKAHEAD - now).total_seconds())
        zones = await self._zones()
        wait = IDLE_POLL
        for zone, refs in zones.items():
            if zone in state.previews:
                continue
            moment = preview_moment(statement_at, zone, self.settings.fed.preview_hour)
            if now < moment:
                wait = min(wait, (moment - now).total_seconds())
                continue
            known = await self.ctx.snapshots.get_model(TARGET_RANGE_SNAPSHOT, TargetRange)
            priced = await self.ctx.snapshots.get_model(market_expectation_snapshot(day),
                                                        MarketExpectation)
            expectation = None
            if priced is not None and priced.moves:
                bps, share = max(priced.moves.items(), key=lambda item: item[1])
                expectation = Expectation(as_of=priced.as_of, realized=share,
                                          favourite_bps=bps, favourite=share)
            await self.ctx.publisher.publish(MeetingPreview(
                occurred_at=now, meeting_date=day, statement_at=statement_at,
                current_low=known.low if known else None,
                current_high=known.high if known else None, expectation=expectation,
                projections=day.month in SEP_MONTHS, zone=zone), chats=refs)
            state = state.model_copy(update={"previews": (*state.previews, zone)})
        return state, wait

    async def _zones(self) -> dict[str, list[ChatRef]]:
        """fomc subscribers by time zone (read again at most every few minutes)."""
        if self._zone_cache is not None and self.clock() - self._zone_cache[0] < ZONES_FOR:
            return self._zone_cache[1]
        zones: dict[str, list[ChatRef]] = {}
        # the subscriber sets hold active chats only
        async for ref, zone in self.ctx.registry.subscriber_fields("fomc", "tz"):
            zones.setdefault(zone or self.settings.registry.default_timezone, []).append(ref)
        self._zone_cache = (self.clock(), zones)
        return zones

    async def _minutes(self, day: date, state: MeetingState, statement_at: datetime,
                       now: datetime) -> tuple[MeetingState, float]:
        due = statement_at + MINUTES_AFTER
        local = now.astimezone(EASTERN)
        in_window = time(13, 59) <= local.time() <= time(14, 30)
        page = await self.fetch(minutes_url(self.base_url, day))
        if page is None or "Minutes of the Federal Open Market Committee" not in page:
            if abs(now - due) <= MINUTES_SLACK and in_window:
                return state, self.fast
            return state, 1800.0
        highlights = minutes_highlights(page)
        await self.ctx.publisher.publish(MinutesRelease(
            occurred_at=now, late=now - due > timedelta(hours=6) and not in_window,
            meeting_date=day, url=minutes_url(FED_URL, day), highlights=highlights))
        return state.model_copy(update={"minutes": True}), IDLE_POLL


async def fomc_and_btc_chats(ctx: TopicContext) -> list[ChatRef]:
    """Active chats that follow both the FOMC and Bitcoin (they get the reaction)."""
    return [ref async for ref, topics in ctx.registry.subscriber_fields("fomc", "topics")
            if "btc" in (topics or "").split(",")]  # the subscriber sets: active only


async def fetch_note_now(fetch: Callable[[str], Awaitable[httpx.Response]], base_url: str,
                         day: date, deadline: float) -> NoteRates | None:
    """The statement watcher's quick look for the note (folded into the decision alert)."""
    try:
        page = await asyncio.wait_for(fetch(note_url(base_url, day)), deadline)
    except (TimeoutError, httpx.HTTPError) as exc:
        log.info("fomc: implementation note not read in time (%s); follow-up later",
                 describe_error(exc) if isinstance(exc, httpx.HTTPError) else "timeout")
        return None
    if page.status_code != 200:
        return None
    try:
        note = parse_note(page.text)
    except NoteParseError:
        return None
    return notes_from(note) if belongs_to(note, day) else None

