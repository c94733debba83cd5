"""FOMC statement watcher: detect a new statement within seconds, announce it once.

Two ways in, both ending in the same ``announce``:
- on a decision day from 13:59:30 to 14:10 ET, the predictable statement URL
  (``monetaryYYYYMMDDa.htm``) every ``fed.burst_poll_seconds``; a page counts only if its
  title says FOMC statement and its date is the day (the minutes share the URL pattern);
- at all other times ``press_monetary.xml`` every ``fed.rss_poll_seconds`` with a
  conditional GET, new statement items picked by guid and title (catches unscheduled
  statements and anything released while the bot was down: announced late, marked so).

The last seen feed items, ETag, the last statement's range and text live in Redis, so a
restart neither repeats an old statement nor misses a new one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from email.utils import parsedate_to_datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import feedparser
import httpx

from bot import metrics
from bot.config import Settings
from bot.domain.calendar import FomcCalendar, load_calendar
from bot.domain.ports import (
    TARGET_RANGE_SNAPSHOT,
    MarketExpectation,
    TargetRange,
    market_expectation_snapshot,
)
from bot.domain.programs import (
    BALANCE_SHEET_PROGRAMS_SNAPSHOT,
    ProgramChanges,
    ProgramHistory,
)
from bot.topics.base import CheckResult, DemoContext, PollingWatcher, Publication, TopicContext
from bot.topics.fomc.events import Expectation, FomcDecision, StatementChange
from bot.topics.fomc.meeting_day import fetch_note_now
from bot.topics.fomc.programs import program_changes
from bot.topics.fomc.statement import (
    ParsedStatement,
    StatementParseError,
    TargetRangeHistory,
    diff_statements,
    parse_statement,
    read_document,
    statement_sentences,
)
from bot.topics.http import Backoff, describe_error, get_bounded, hosts_of, make_http_client

log = logging.getLogger(__name__)

EASTERN = ZoneInfo("America/New_York")
BURST_START = time(13, 59, 30)
STATEMENT_TIME = time(14, 0)
BURST_END = time(14, 10)
LATE_AFTER = timedelta(minutes=10)
STATEMENT_TITLE = re.compile(r"\bFOMC statement\b", re.I)
MAX_SEEN = 200
RECENT_KEPT = 20  # ``published``: the latest announcements, for tests and diagnostics
RETRY_FRESH_FOR = timedelta(hours=6)  # a feed item whose page does not read is retried so long
RSS_PATH = "/feeds/press_monetary.xml"
FED_URL = "https://www.federalreserve.gov"


def statement_url(base_url: str, day: date, suffix: str = "a") -> str:
    return f"{base_url}/newsevents/pressreleases/monetary{day:%Y%m%d}{suffix}.htm"


def local_link(base_url: str, link: str) -> str:
    """Feed links name www.federalreserve.gov; fetch them from the configured base URL."""
    from urllib.parse import urlsplit

    parts = urlsplit(link)
    if parts.netloc.endswith("federalreserve.gov") or not parts.netloc:
        return base_url + parts.path + (f"?{parts.query}" if parts.query else "")
    return link


def date_from_url(url: str) -> date | None:
    match = re.search(r"monetary(\d{8})[a-z]\d*\.htm", url)
    if not match:
        return None
    try:
        return datetime.strptime(match.group(1), "%Y%m%d").date()
    except ValueError:
        return None


def release_time(parsed: ParsedStatement, day: date) -> datetime | None:
    """``For release at 2:00 p.m. EDT`` on ``day`` → aware UTC datetime."""
    line = parsed.release_line or ""
    match = re.search(r"(\d{1,2}):(\d{2})\s*([ap])\.?m\.?", line, re.I)
    if not match:
        return None
    hour = int(match.group(1)) % 12 + (12 if match.group(3).lower() == "p" else 0)
    local = datetime.combine(day, time(hour, int(match.group(2))), EASTERN)
    return local.astimezone(UTC)


USUAL_RELEASE_TIMES = {(14, 0), (14, 15), (12, 30)}  # 2:15 pm before 2013; 12:30 pm on
# the 2011-2012 press-conference days


def looks_unscheduled(parsed: ParsedStatement, day: date, calendar: FomcCalendar) -> bool:
    """An unscheduled meeting's statement, as far as the input shows: a day the calendar
    covers without a meeting there, or a weekend, or a release time no scheduled
    statement had (10:00 am on 2020-03-03, 5:00 pm on 2020-03-15). Not shown: False."""
    if day.year in {m.end.year for m in calendar.meetings}:
        return not calendar.is_decision_day(day)
    if day.weekday() >= 5:
        return True
    released = release_time(parsed, day)
    if released is None:
        return False
    local = released.astimezone(EASTERN)
    return (local.hour, local.minute) not in USUAL_RELEASE_TIMES


class NotAStatement(StatementParseError):
    """The page at a statement's address is something else (minutes, a maintenance page)."""


# State --------------------------------------------------------------------------------
@dataclass
class FomcState:
    etag: str | None = None
    last_modified: str | None = None
    seen: list[str] = field(default_factory=list)
    initialized: bool = False
    last_date: str | None = None
    last_low: str | None = None
    last_high: str | None = None
    last_sentences: list[str] | None = None  # the previous statement, parsed (for the diff)

    def to_json(self) -> str:
        return json.dumps(self.__dict__)

    @classmethod
    def from_json(cls, raw: str | None) -> FomcState:
        if not raw:
            return cls()
        data = json.loads(raw)
        old_text = data.pop("last_text", None)  # stored before the statement was kept parsed
        if old_text and not data.get("last_sentences"):
            data["last_sentences"] = list(statement_sentences(old_text))
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    @property
    def last_range(self) -> tuple[Decimal, Decimal] | None:
        if self.last_low is None or self.last_high is None:
            return None
        return Decimal(self.last_low), Decimal(self.last_high)

    def remember(self, guid: str) -> None:
        if guid not in self.seen:
            self.seen.append(guid)
            del self.seen[:-MAX_SEEN]


def build_event(
    parsed: ParsedStatement,
    *,
    url: str,
    released_at: datetime,
    previous_sentences: Sequence[str] | None,
    late: bool,
    unscheduled: bool,
) -> FomcDecision:
    changes: tuple[StatementChange, ...] = ()
    unchanged = None
    if previous_sentences:
        diff, unchanged = diff_statements(list(previous_sentences), list(parsed.sentences))
        changes = tuple(diff)
    day = parsed.date or released_at.astimezone(EASTERN).date()
    return FomcDecision(
        occurred_at=released_at, late=late, meeting_date=day, decision=parsed.decision,
        change_bps=parsed.change_bps if parsed.change_bps is not None else 0,
        target_low=parsed.target_low, target_high=parsed.target_high,
        votes_for=parsed.votes_for, dissenters=parsed.dissenters,
        balance_sheet=parsed.balance_sheet, changes=changes, unchanged_sentences=unchanged,
        url=url, unscheduled=unscheduled, range_stated=parsed.range_stated,
        from_point_target=parsed.from_point_target,
    )


# The watcher --------------------------------------------------------------------------
class FomcWatcher(PollingWatcher):
    name = "fomc"

    def __init__(
        self,
        ctx: TopicContext,
        *,
        calendar: FomcCalendar | None = None,
        client: httpx.AsyncClient | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.ctx = ctx
        self.settings = ctx.settings
        self.base_url = self.settings.fed.base_url
        self.fed_hosts = hosts_of(self.base_url, FED_URL)
        self.calendar = calendar or load_calendar()
        self.follow_refreshed_calendar = calendar is None
        self.client = client
        self.clock = clock or (lambda: datetime.now(UTC))
        self.history = TargetRangeHistory.packaged()
        self.backoff = Backoff("fomc: the Fed's pages", log)
        self.published: list[FomcDecision] = []  # the latest RECENT_KEPT announcements

    async def fetch(self, url: str, headers: dict[str, str] | None = None) -> httpx.Response:
        """From the Fed's hosts only, size-capped, with an overall deadline."""
        assert self.client is not None
        return await get_bounded(self.client, url, headers=headers,
                                 allowed_hosts=self.fed_hosts,
                                 deadline=max(10.0, 3 * self.settings.http_timeout_seconds))

    # State ---------------------------------------------------------------------------
    async def load_state(self) -> FomcState:
        return FomcState.from_json(await self.ctx.state.get_text("fomc"))

    async def save_state(self, state: FomcState) -> None:
        await self.ctx.state.set_text("fomc", state.to_json())

    # Loop ----------------------------------------------------------------------------
    def in_burst_window(self, now: datetime) -> date | None:
        local = now.astimezone(EASTERN)
        if self.calendar.is_decision_day(local.date()) and \
                BURST_START <= local.time() < BURST_END:
            return local.date()
        return None

    def burst_interval(self, now: datetime, day: date) -> float:
        """Several reads a second around the scheduled minute (2:00 pm ET, when nearly every
        statement appears), the burst pace for the rest of the window."""
        fed = self.settings.fed
        minute = datetime.combine(day, STATEMENT_TIME, EASTERN)
        if minute - timedelta(seconds=fed.fast_window_before) <= now <= \
                minute + timedelta(seconds=fed.fast_window_after):
            return fed.fast_poll_seconds
        return fed.burst_poll_seconds

    async def step(self) -> float:
        """One poll; returns the seconds to wait before the next one."""
        if self.follow_refreshed_calendar:
            self.calendar = await self.ctx.calendar.current()
        now = self.clock()
        day = self.in_burst_window(now)
        try:
            if day is not None:
                state = await self.load_state()
                if state.last_date == day.isoformat():
                    return self.settings.fed.rss_poll_seconds  # already announced today
                await self.announce_from_statement_url(day)
                interval = self.burst_interval(now, day)
            else:
                await self.announce_from_feed()
                interval = self.settings.fed.rss_poll_seconds
            self.backoff.succeeded()
            return interval
        except (httpx.HTTPError, StatementParseError, ValueError) as exc:
            reason = describe_error(exc)
            metrics.SOURCE_ERRORS.labels("fomc", reason).inc()
            delay = self.backoff.failed(f"{reason}: {exc}")
            if day is not None:  # the decision window: a garbled or half-published
                # page is read again at the burst pace, never backed off past it
                delay = self.burst_interval(now, day)
            log.debug("fomc: poll failed (%s: %s); next try in %.1f s", reason, exc, delay)
            return delay

    # Burst: the predictable URL on decision days ---------------------------------------
    async def announce_from_statement_url(self, day: date) -> FomcDecision | None:
        assert self.client is not None
        url = statement_url(self.base_url, day)
        response = await self.fetch(url)
        metrics.SOURCE_POLLS.labels("fomc_url", str(response.status_code)).inc()
        if response.status_code == 404:
            return None
        response.raise_for_status()
        public = statement_url("https://www.federalreserve.gov", day)
        try:
            return await self.consider_page(response.text, public, expected_day=day,
                                            released_at=None, guid=public)
        except NotAStatement as exc:  # another page there (minutes, a notice): not yet
            log.debug("fomc: %s", exc)
            return None

    # RSS -----------------------------------------------------------------------------
    async def announce_from_feed(self) -> list[FomcDecision]:
        assert self.client is not None
        state = await self.load_state()
        headers = {}
        if state.etag:
            headers["If-None-Match"] = state.etag
        if state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        response = await self.fetch(self.base_url + RSS_PATH, headers=headers)
        metrics.SOURCE_POLLS.labels("fomc_rss", str(response.status_code)).inc()
        if response.status_code == 304:
            return []
        response.raise_for_status()
        feed = read_feed(response.content)
        items = localize_items(statement_items(feed.entries), self.base_url)
        announced: list[FomcDecision] = []
        if not state.initialized:
            # first start: the feed's statements are history, not news; keep the newest as
            # the previous statement (its range and text size and diff the next one),
            # unless it came out minutes ago: then it is news
            fresh = [i for i in items if i["published"] and
                     self.clock() - i["published"] <= LATE_AFTER]
            await self._adopt_latest([i for i in items if i not in fresh], state)
            await self.save_state(state)
            items_to_read = fresh
        else:
            items_to_read = [i for i in items if i["guid"] not in state.seen]
        if items_to_read:
            for item in sorted(items_to_read, key=lambda i: i["published"] or
                               datetime.min.replace(tzinfo=UTC)):
                page = await self.fetch(item["link"])
                page.raise_for_status()
                expected = date_from_url(item["link"])
                try:
                    event = await self.consider_page(
                        page.text, item["url"], expected_day=expected,
                        released_at=item["published"], guid=item["guid"])
                except NotAStatement:
                    published = item["published"]
                    if published is None or self.clock() - published <= RETRY_FRESH_FOR:
                        raise  # a maintenance or access-denied page: read it again later
                    log.warning("fomc: %s never read as a statement; given up", item["url"])
                    event = None
                if event is not None:
                    announced.append(event)
                state = await self.load_state()
                state.remember(item["guid"])
                await self.save_state(state)
        state = await self.load_state()
        state.etag = response.headers.get("ETag") or state.etag
        state.last_modified = response.headers.get("Last-Modified") or state.last_modified
        state.initialized = True
        for item in items:
            state.remember(item["guid"])
        await self.save_state(state)
        return announced

    async def _adopt_latest(self, items: list[dict[str, Any]], state: FomcState) -> None:
        if not items:
            return
        newest = max(items, key=lambda i: i["published"] or datetime.min.replace(tzinfo=UTC))
        try:
            page = await self.fetch(newest["link"])
            page.raise_for_status()
            parsed = await asyncio.to_thread(partial(
                parse_statement, page.text, history=self.history,
                statement_date=date_from_url(newest["link"])))
        except (httpx.HTTPError, StatementParseError) as exc:
            log.info("fomc: could not read the latest statement as a baseline (%s)", exc)
            return
        state.last_date = parsed.date.isoformat() if parsed.date else None
        state.last_low, state.last_high = str(parsed.target_low), str(parsed.target_high)
        state.last_sentences = list(parsed.sentences)
        await self.ctx.snapshots.set_model(TARGET_RANGE_SNAPSHOT, TargetRange(
            low=parsed.target_low, high=parsed.target_high, date=parsed.date))
        log.info("fomc: first start, baseline is the statement of %s (%s-%s%%)",
                 state.last_date, state.last_low, state.last_high)

    # Shared: read a page, decide, announce ----------------------------------------------
    async def consider_page(
        self,
        html: str,
        url: str,
        *,
        expected_day: date | None,
        released_at: datetime | None,
        guid: str,
    ) -> FomcDecision | None:
        # parsing a large page must not stall the event loop (deliveries, commands, the lock)
        document = await asyncio.to_thread(read_document, html)
        if document.title is not None and not STATEMENT_TITLE.search(document.title):
            raise NotAStatement(f"{url} is not a statement page ({document.title[:80]})")
        if expected_day and document.date and document.date != expected_day:
            log.info("fomc: %s is dated %s, not %s; ignored", url, document.date, expected_day)
            return None
        state = await self.load_state()
        day = document.date or expected_day
        if day is not None and state.last_date == day.isoformat():
            return None  # announced already (by the other path, or before a restart)
        try:
            parsed = await asyncio.to_thread(partial(
                parse_statement, html, previous_range=state.last_range,
                previous_sentences=state.last_sentences, history=self.history,
                statement_date=day, require_complete=True, document=document))
        except (ArithmeticError, LookupError, TypeError, AttributeError) as exc:
            # a garbled page the parser did not foresee is a page to read again at the
            # burst pace, not a crash of the watcher (a restart waits its backoff)
            raise StatementParseError(f"unreadable statement page ({type(exc).__name__}: "
                                      f"{exc})") from exc
        unscheduled = parsed.date is not None and not self.calendar.is_decision_day(parsed.date)
        if not parsed.range_stated and not unscheduled:
            # a scheduled meeting always decides the rate: a page without the decision
            # is a garbled one, not an action without a rate decision
            raise StatementParseError("no decision sentence on a scheduled decision day")
        now = self.clock()
        stated = release_time(parsed, parsed.date) if parsed.date else None
        released = released_at or stated or now
        late = now - released > LATE_AFTER
        event = build_event(
            parsed, url=url, released_at=released, previous_sentences=state.last_sentences,
            late=late, unscheduled=unscheduled)
        event = await self.complete(event)
        await self.announce(event)
        state = await self.load_state()
        state.last_date = event.meeting_date.isoformat()
        state.last_low, state.last_high = str(event.target_low), str(event.target_high)
        state.last_sentences = list(parsed.sentences)
        state.remember(guid)
        await self.save_state(state)
        return event

    async def complete(self, event: FomcDecision) -> FomcDecision:
        """The implementation note if it is out within a moment (else it follows), and
        what the futures had priced for this decision."""
        note = None
        if self.settings.fed.note_wait_seconds > 0:  # else never hold the decision back
            note = await fetch_note_now(self.fetch, self.base_url, event.meeting_date,
                                        self.settings.fed.note_wait_seconds)
        expectation = await expectation_for(self.ctx, event)
        return event.model_copy(update={"note": note, "expectation": expectation})

    async def announce(self, event: FomcDecision) -> None:
        result = await self.ctx.publisher.publish(event)
        await remember_decision(self.ctx, event)
        self.history.add(event.meeting_date, (event.target_low, event.target_high))
        self.published.append(event)
        del self.published[:-RECENT_KEPT]
        log.info("fomc: %s %s %+d bp to %s-%s (%s, %d queued)", event.meeting_date,
                 event.decision, event.change_bps, event.target_low, event.target_high,
                 result.status, result.queued)


async def expectation_for(ctx: TopicContext, event: FomcDecision) -> Expectation | None:
    """What fed funds futures priced for this decision on the last settlement day before
    it (the odds topic keeps it), or None when the odds were not followed."""
    priced = await ctx.snapshots.get_model(market_expectation_snapshot(event.meeting_date),
                                           MarketExpectation)
    if priced is None or not priced.moves or priced.as_of >= event.meeting_date:
        return None
    favourite_bps, favourite = max(priced.moves.items(), key=lambda item: item[1])
    return Expectation(as_of=priced.as_of, realized=priced.moves.get(event.change_bps, 0.0),
                       favourite_bps=favourite_bps, favourite=favourite)


async def remember_decision(ctx: TopicContext, event: FomcDecision) -> None:
    """Keep ``/fomc``, the current target range and the balance-sheet program history
    (read by other topics) up to date."""
    await ctx.snapshots.set_latest_event("fomc", event.key)
    await ctx.snapshots.set_model(TARGET_RANGE_SNAPSHOT, TargetRange(
        low=event.target_low, high=event.target_high, date=event.meeting_date))
    await remember_programs(ctx, event)


async def remember_programs(ctx: TopicContext, event: FomcDecision) -> None:
    stored = await ctx.snapshots.get_model(BALANCE_SHEET_PROGRAMS_SNAPSHOT, ProgramChanges)
    kept = list(stored.changes) if stored else []
    new = program_changes(event, ProgramHistory.packaged(kept))
    if not new:
        return
    kept = [c for c in kept if c.announced != event.meeting_date] + new
    await ctx.snapshots.set_model(BALANCE_SHEET_PROGRAMS_SNAPSHOT,
                                  ProgramChanges(changes=tuple(kept)))
    log.info("fomc: balance-sheet program from %s: %s", new[0].effective,
             ", ".join(c.regime for c in new))


def read_feed(content: bytes) -> Any:
    """The press-release feed, or ``ValueError``: an empty body or an HTML page answered
    with 200 (a maintenance or access-denied page) is not "no news"."""
    feed = feedparser.parse(content)
    if feed.bozo and not feed.entries:
        raise ValueError(f"unreadable feed: {feed.bozo_exception}")
    if not feed.get("version"):
        raise ValueError("the feed answered with something that is not RSS or Atom")
    return feed


def statement_items(entries: list[Any]) -> list[dict[str, Any]]:
    """Feed entries that are FOMC statements, with guid, link and publication time."""
    items = []
    for entry in entries:
        title = (entry.get("title") or "").strip()
        link = (entry.get("link") or "").strip()
        if not STATEMENT_TITLE.search(title) or not link:
            continue
        published = None
        if entry.get("published"):
            with contextlib.suppress(TypeError, ValueError, IndexError):
                published = parsedate_to_datetime(entry["published"]).astimezone(UTC)
        items.append({"guid": (entry.get("id") or link).strip(), "link": link,
                      "title": title, "published": published})
    return items


def localize_items(items: list[dict[str, Any]], base_url: str) -> list[dict[str, Any]]:
    """Feed items on the Fed's site, fetched from the configured base URL; an item that
    links to another host is not the Fed's statement and is dropped."""
    kept = []
    for item in items:
        host = httpx.URL(item["link"]).host
        if host and host not in ("www.federalreserve.gov", "federalreserve.gov"):
            log.warning("fomc: feed item %r links to %s, not the Fed: ignored",
                        item.get("guid"), host)
            metrics.SOURCE_ERRORS.labels("fomc", "foreign_link").inc()
            continue
        item["url"] = item["link"]
        item["link"] = local_link(base_url, item["link"])
        kept.append(item)
    return kept


# fedalert check -----------------------------------------------------------------------
async def check(settings: Settings) -> list[CheckResult]:
    results = []
    async with make_http_client(settings) as client:
        try:
            response = await client.get(settings.fed.base_url + RSS_PATH)
            response.raise_for_status()
            feed = read_feed(response.content)
            items = localize_items(statement_items(feed.entries), settings.fed.base_url)
            newest = max(items, key=lambda i: i["published"] or datetime.min.replace(
                tzinfo=UTC), default=None)
            detail = f"{len(feed.entries)} items, {len(items)} FOMC statements"
            if newest:
                page = await client.get(newest["link"])
                page.raise_for_status()
                parsed = parse_statement(page.text, history=TargetRangeHistory.packaged(),
                                         statement_date=date_from_url(newest["link"]))
                detail += (f"; latest {parsed.date}: {parsed.decision} "
                           f"{parsed.target_low}-{parsed.target_high}%")
            results.append(CheckResult("fed: press_monetary.xml", True, detail))
        except Exception as exc:
            results.append(CheckResult("fed: press_monetary.xml", False,
                                       f"{describe_error(exc)}: {exc}"))
    return results


# demo ---------------------------------------------------------------------------------
async def handle_demo_statement(reading: Mapping[str, Any],
                                demo: DemoContext) -> list[Publication]:
    """A scenario reading with a statement's text, parsed like a fetched page."""

    data = reading["data"]
    previous = data.get("previous_range")
    parsed = parse_statement(
        data["text"],
        previous_range=(Decimal(str(previous[0])), Decimal(str(previous[1])))
        if previous else None,
        history=TargetRangeHistory.packaged(),
        statement_date=date.fromisoformat(data["date"]) if data.get("date") else None)
    released = datetime.fromisoformat(data["released_at"])
    calendar = await demo.topic.calendar.current()
    event = build_event(parsed, url=data["url"], released_at=released,
                        previous_sentences=statement_sentences(data["previous_text"])
                        if data.get("previous_text") else None, late=False,
                        unscheduled=not calendar.is_decision_day(parsed.date or released.date()))
    await remember_decision(demo.topic, event)
    return [Publication(event)]


DEMO_HANDLERS = {"fomc_statement": handle_demo_statement}
