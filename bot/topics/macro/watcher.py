"""Macro watcher: the CPI and the jobs report from BLS, PCE and GDP from BEA, at 8:30 ET.

BLS's current release pages (``news.release/cpi.nr0.htm``, ``empsit.nr0.htm``) are read
from ``lead_seconds`` before a scheduled release to ``burst_seconds`` after it, once a
``burst_poll_seconds``; BEA's RSS feed likewise, and a new Personal Income and Outlays item
sends the watcher to its release page for the PCE price figures the feed does not carry.
Outside the windows each source is read every ``quiet_poll_seconds``, so a release the
schedule does not know is still announced (later). A release is new when its period (and
for GDP its estimate) is past the last one announced: an old page, a maintenance page or a
"postponed" notice parses to nothing new and is never an alert. The first reading after
a first start is the baseline, not an alert.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from pydantic import Field

from bot import metrics
from bot.config import Settings
from bot.domain.calendar import preview_moment
from bot.domain.chats import ChatRef
from bot.domain.events import Frozen
from bot.topics.base import CheckResult, DemoContext, PollingWatcher, Publication, TopicContext
from bot.topics.http import Backoff, describe_error, get_bounded, make_http_client
from bot.topics.macro.events import MacroFigure, MacroPreview, MacroRelease
from bot.topics.macro.parse import (
    MacroParseError,
    parse_document,
    parse_macro_file,
    rss_items_with_links,
)
from bot.topics.macro.parse import (
    MacroRelease as ParsedRelease,
)
from bot.topics.macro.parse import released_at as released_at_of
from bot.topics.macro.schedule import (
    ScheduledRelease,
    from_toml,
    merge,
    packaged,
    parse_schedule,
    to_toml,
)
from bot.topics.macro.settings import MacroSettings
from bot.topics.markets import MarketQuote, MarketsSettings, closing_near, kalshi_quotes

log = logging.getLogger(__name__)
BLS_PAGES = {"cpi": "/news.release/cpi.nr0.htm", "jobs": "/news.release/empsit.nr0.htm"}
ESTIMATES = {None: 0, "advance": 1, "initial": 1, "second": 2, "updated": 2, "third": 3}
SCHEDULE_STATE = "macro_schedule"
PREVIEW_FIELD = "macro_preview"  # a chat's "/macro preview on"
PREVIEW_LOOKAHEAD = timedelta(hours=30)
FRESH_FOR = timedelta(minutes=30)  # a release read later than this is said to be late
EASTERN = ZoneInfo("America/New_York")


async def stored_schedule(snapshots: Any) -> list[ScheduledRelease]:
    """The schedule the leader refreshed (kept in the store), else the packaged one."""
    raw = await snapshots.get_json(SCHEDULE_STATE)
    if isinstance(raw, str) and raw:
        try:
            return from_toml(raw)
        except (ValueError, KeyError) as exc:
            log.warning("macro: the stored release schedule is unreadable (%s); using the "
                        "packaged one", exc)
    return packaged()


BLS_SCHEDULE_PAGES = ("/schedule/news_release/cpi.htm", "/schedule/news_release/empsit.htm",
                      "/bls/2025-lapse-revised-release-dates.htm")
SCHEDULE_REFRESH = timedelta(hours=24)


async def refresh_schedule(settings: Settings, snapshots: Any,
                           client: httpx.AsyncClient | None = None
                           ) -> tuple[list[ScheduledRelease], int]:
    """Read BLS's schedule pages and BEA's feed; merge what they say into the stored
    schedule (a page that cannot be read is skipped with a log line)."""
    macro = settings.section("macro", MacroSettings)
    own = client is None
    http = client or make_http_client(settings)
    http.headers["User-Agent"] = user_agent(settings, macro)
    found: list[ScheduledRelease] = []
    try:
        urls = [macro.bls_url + path for path in BLS_SCHEDULE_PAGES] + [macro.bea_feed_url]
        for url in urls:
            try:
                response = await get_bounded(http, url, deadline=60)
                response.raise_for_status()
            except httpx.HTTPError as exc:
                log.info("macro: schedule page %s: %s", url, describe_error(exc))
                continue
            found += parse_schedule(response.text, url)
    finally:
        if own:
            await http.aclose()
    if not found:
        raise ValueError("no release day could be read from BLS or BEA")
    schedule = merge(await stored_schedule(snapshots), found)
    await snapshots.set_json(SCHEDULE_STATE, to_toml(schedule))
    return schedule, len(found)


def user_agent(settings: Settings, macro: MacroSettings) -> str:
    """fedalert's User-Agent with the operator's contact: BLS refuses anonymous clients."""
    contact = macro.contact.strip()
    return f"{settings.user_agent} contact: {contact}" if contact else settings.user_agent


def progress(release: ParsedRelease | MacroRelease) -> tuple[str, int]:
    """How far a series has come: its period, then (GDP) its estimate."""
    return (release.period, ESTIMATES.get(release.estimate, 0))


def newest(releases: list[ParsedRelease], kind: str) -> ParsedRelease | None:
    of_kind = [r for r in releases if r.kind == kind]
    return max(of_kind, key=progress, default=None)


def to_event(release: ParsedRelease, *, released_at: datetime, url: str | None,
             previous: MacroRelease | None = None, late: bool = False,
             time_known: bool = True) -> MacroRelease:
    """The event for a parsed release; ``previous`` lends the prior period's figures."""
    figures = tuple(MacroFigure(field=f.field, period=f.period, value=f.value, status=f.status,
                                trend=f.trend) for f in release.figures)
    prior: tuple[MacroFigure, ...] = ()
    if previous is not None and previous.period < release.period:
        prior = tuple(f for f in previous.figures if f.period == previous.period)
    return MacroRelease(occurred_at=released_at, late=late, release=release.kind,
                        period=release.period, estimate=release.estimate, figures=figures,
                        previous=prior, notes=release.notes, url=url, time_known=time_known)


class MacroState(Frozen):
    """How far each series has been announced: ``{"cpi": ["2025-08", 0], …}``."""

    last: dict[str, tuple[str, int]] = Field(default_factory=dict)


def due(schedule: list[ScheduledRelease], now: datetime, lead: float,
        burst: float) -> set[str]:
    """The series whose scheduled release is within the fast-polling window now."""
    kinds = set()
    for entry in schedule:
        moment = entry.moment()
        if entry.status != "scheduled" or moment is None:
            continue
        if moment - timedelta(seconds=lead) <= now <= moment + timedelta(seconds=burst):
            kinds.add(entry.kind)
    return kinds


def seconds_to_next_window(schedule: list[ScheduledRelease], now: datetime,
                           lead: float) -> float | None:
    starts = [m - timedelta(seconds=lead) for e in schedule if e.status == "scheduled"
              and (m := e.moment()) is not None and m - timedelta(seconds=lead) > now]
    return (min(starts) - now).total_seconds() if starts else None


class MacroWatcher(PollingWatcher):
    name = "macro"

    def __init__(self, ctx: TopicContext, *, client: httpx.AsyncClient | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.ctx = ctx
        self.settings = ctx.settings
        self.macro = ctx.settings.section("macro", MacroSettings)
        self.client = client
        self.clock = clock or ctx.clock
        self.backoff = Backoff("macro: the BLS/BEA release pages", log)
        self.next_quiet = datetime.min.replace(tzinfo=UTC)
        self.next_refresh = datetime.min.replace(tzinfo=UTC)
        self.markets = ctx.settings.section("markets", MarketsSettings)
        self.expectations: dict[str, tuple[MarketQuote, ...]] = {}  # read before a release
        self.previewed: set[tuple[str, datetime, str]] = set()
        self.refused: set[str] = set()  # pages refusing us now (said once)
        self._zones: tuple[datetime, dict[str, list[ChatRef]]] | None = None
        self.deadline = max(10.0, 3 * self.settings.http_timeout_seconds)

    async def schedule(self) -> list[ScheduledRelease]:
        return await stored_schedule(self.ctx.snapshots)

    async def step(self) -> float:
        now = self.clock()
        if now >= self.next_refresh:  # the leader keeps the schedule current, once a day
            self.next_refresh = now + SCHEDULE_REFRESH
            try:
                await refresh_schedule(self.settings, self.ctx.snapshots, self.client)
            except (httpx.HTTPError, ValueError) as exc:
                log.warning("macro: the release schedule was not refreshed (%s); the stored "
                            "one is used", exc)
        schedule = await self.schedule()
        next_preview = await self.previews(schedule, now)
        fast = due(schedule, now, self.macro.lead_seconds, self.macro.burst_seconds)
        kinds: set[str] = set(fast)
        quiet_due = now >= self.next_quiet
        if quiet_due:
            kinds = {"cpi", "jobs", "pce", "gdp"}
        for kind in fast - set(self.expectations):
            self.expectations[kind] = await self.expectation(kind, now)
        for kind in set(self.expectations) - fast:
            del self.expectations[kind]  # the window is over
        if kinds:  # nothing read, nothing to call a success or a failure
            try:
                await self.check(kinds)
                self.backoff.succeeded()
                if quiet_due:
                    self.next_quiet = now + timedelta(seconds=self.macro.quiet_poll_seconds)
            except (httpx.HTTPError, ValueError) as exc:
                reason = describe_error(exc)
                metrics.SOURCE_ERRORS.labels("macro", reason).inc()
                delay = self.backoff.failed(f"{reason}: {exc}")
                if quiet_due:  # the quiet read is tried again after the backoff
                    self.next_quiet = now + timedelta(seconds=delay)
                return min(delay, self.macro.burst_poll_seconds) if fast else delay
        if fast:
            return self.macro.burst_poll_seconds
        until = seconds_to_next_window(schedule, now, self.macro.lead_seconds)
        if next_preview is not None:
            until = min(until, next_preview) if until is not None else next_preview
        quiet = (self.next_quiet - now).total_seconds()
        return max(0.05, min(quiet, until) if until is not None else quiet)

    async def check(self, kinds: set[str]) -> list[MacroRelease]:
        """Read the sources of ``kinds`` once; publish what is new."""
        assert self.client is not None
        self.client.headers["User-Agent"] = user_agent(self.settings, self.macro)
        published = []
        for kind in sorted(kinds & set(BLS_PAGES)):
            url = self.macro.bls_url + BLS_PAGES[kind]
            text = await self.fetch(url, kind)
            if text is None:
                continue
            try:
                release = newest(parse_macro_file(text), kind)
            except MacroParseError:
                release = None
            if release is None:
                log.debug("macro: %s page has no %s figures (maintenance or a notice)", url,
                          kind)
                continue
            event = await self.accept(release, url)
            if event is not None:
                published.append(event)
        if kinds & {"pce", "gdp"}:
            published += await self.check_bea(kinds & {"pce", "gdp"})
        return published

    async def previews(self, schedule: list[ScheduledRelease], now: datetime) -> float | None:
        """The evening-before previews due now, to the chats that asked for them, in each
        one's zone; returns the seconds to the next one (None: none coming)."""
        coming = [(e, m.astimezone(UTC)) for e in schedule if e.status == "scheduled" and
                  (m := e.moment()) is not None and now < m <= now + PREVIEW_LOOKAHEAD]
        if not coming:
            return None
        zones = await self.preview_zones(now)
        wait: float | None = None
        for entry, due_at in coming:
            for zone, refs in zones.items():
                moment = preview_moment(due_at, zone, self.macro.preview_hour)
                if now < moment:
                    seconds = (moment - now).total_seconds()
                    wait = seconds if wait is None else min(wait, seconds)
                    continue
                if (entry.kind, due_at, zone) in self.previewed:
                    continue
                await self.ctx.publisher.publish(MacroPreview(
                    occurred_at=now, release=entry.kind, period=entry.period,
                    due_at=due_at, zone=zone, last=await self.previous(entry.kind)), chats=refs)
                self.previewed.add((entry.kind, due_at, zone))
        return wait

    async def preview_zones(self, now: datetime) -> dict[str, list[ChatRef]]:
        """The chats that asked for previews, by time zone (read again every 10 minutes)."""
        if self._zones is not None and now - self._zones[0] < timedelta(minutes=10):
            return self._zones[1]
        zones: dict[str, list[ChatRef]] = {}
        async for ref, value in self.ctx.registry.subscriber_fields("macro", PREVIEW_FIELD):
            if value != "on":
                continue
            chat = await self.ctx.registry.get_chat(ref)
            if chat is not None:
                zones.setdefault(chat.timezone, []).append(ref)
        self._zones = (now, zones)
        return zones

    async def expectation(self, kind: str, now: datetime) -> tuple[MarketQuote, ...]:
        """Kalshi's threshold markets on this release, read once as its window opens
        (closing within three days of now); nothing when there are none or they cannot be
        read (a log line)."""
        series = self.markets.kalshi_release_series.get(kind)
        if not self.markets.enabled or not series or self.client is None:
            return ()
        try:
            response = await get_bounded(
                self.client, self.markets.kalshi_url + "/markets",
                params={"series_ticker": series, "status": "open", "limit": "200"}, deadline=10)
            response.raise_for_status()
            quotes, _ = kalshi_quotes(response.json())
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("macro: Kalshi %s left out (%s)", series, describe_error(exc))
            return ()
        near = [q for q in closing_near(quotes, now.date()) if q.strike is not None]
        return tuple(sorted(near, key=lambda q: q.strike or 0))

    async def fetch(self, url: str, source: str) -> str | None:
        assert self.client is not None
        response = await get_bounded(self.client, url, deadline=self.deadline)
        metrics.SOURCE_POLLS.labels(f"macro_{source}", str(response.status_code)).inc()
        if response.status_code in (403, 429):
            if url not in self.refused:  # once until it answers again, not once a poll
                self.refused.add(url)
                log.warning("macro: %s refused the request (HTTP %d); BLS asks for a "
                            "User-Agent with the operator's contact: set "
                            "FEDALERT_MACRO__CONTACT", url, response.status_code)
            return None
        response.raise_for_status()
        if url in self.refused:
            self.refused.discard(url)
            log.info("macro: %s answers again", url)
        return response.text

    async def check_bea(self, kinds: set[str]) -> list[MacroRelease]:
        text = await self.fetch(self.macro.bea_feed_url, "bea_feed")
        if text is None:
            return []
        published = []
        items = _feed_items(text)
        for kind in sorted(kinds):
            candidates = [(release, link) for release, link in items if release.kind == kind]
            if not candidates:
                continue
            release, link = max(candidates, key=lambda pair: progress(pair[0]))
            if not await self.is_new(release):
                continue
            if kind == "pce" and link:  # the feed lacks the PCE price figures: the page has them
                page = await self.fetch(_absolute(link), "bea_page")
                if page:
                    try:
                        found = [r for r in parse_macro_file(page)
                                 if r.kind == "pce" and r.period == release.period]
                    except MacroParseError:
                        found = []
                    if found:  # the page's figures, and what only the feed item gave
                        have = {(f.field, f.period) for f in found[0].figures}
                        release = replace(found[0], figures=found[0].figures + tuple(
                            f for f in release.figures if (f.field, f.period) not in have),
                            released=release.released or found[0].released)
            event = await self.accept(release, _absolute(link) if link else None)
            if event is not None:
                published.append(event)
        return published

    async def is_new(self, release: ParsedRelease) -> bool:
        state = await self.ctx.state.get_model("macro", MacroState) or MacroState()
        last = state.last.get(release.kind)
        return last is None or progress(release) > tuple(last)

    async def accept(self, release: ParsedRelease, url: str | None) -> MacroRelease | None:
        """Announce ``release`` if it is past the last one of its series (once)."""
        state = await self.ctx.state.get_model("macro", MacroState) or MacroState()
        last = state.last.get(release.kind)
        if last is not None and progress(release) <= tuple(last):
            return None
        previous = await self.previous(release.kind)
        now = self.clock()
        released_at = now
        stated = released_at_of(release)  # 8:30 ET on the day the release gives
        if stated is not None and stated <= now:
            released_at = stated.astimezone(UTC)
        late = released_at < now - FRESH_FOR
        event = to_event(release, released_at=released_at, url=url, previous=previous,
                         late=late)
        if self.expectations.get(release.kind):
            event = event.model_copy(update={"markets": self.expectations[release.kind]})
        # a first start's reading is history, unless the release came out minutes ago
        fresh = release.released is not None and released_at != now and not late
        if last is None and not fresh:
            log.info("macro: %s baseline %s (no alert on a first start)", release.kind,
                     release.period)
        else:
            await self.ctx.publisher.publish(event)
            await self.ctx.snapshots.set_latest_event(f"macro_{release.kind}", event.key)
            await self.ctx.snapshots.set_latest_event("macro", event.key)
        await self.ctx.state.history_put("macro_last", {release.kind: event.model_dump_json()})
        await self.ctx.state.set_model("macro", MacroState(last={
            **state.last, release.kind: progress(release)}))
        return event if last is not None or fresh else None

    async def previous(self, kind: str) -> MacroRelease | None:
        raw = await self.ctx.state.history_get("macro_last", kind)
        if not raw:
            return None
        try:
            return MacroRelease.model_validate_json(raw)
        except ValueError:
            return None


def _absolute(link: str) -> str:
    return link if link.startswith("http") else "https://" + link.lstrip("/")


def _feed_items(xml: str) -> list[tuple[ParsedRelease, str | None]]:
    """Each BEA feed item's release with the link to its page."""
    return [(release, link) for text, link in rss_items_with_links(xml)
            for release in parse_document(text)]


async def check(settings: Settings) -> list[CheckResult]:
    """``fedalert check``: one read of each source, what it holds now."""
    macro = settings.section("macro", MacroSettings)
    results = []
    async with make_http_client(settings) as client:
        client.headers["User-Agent"] = user_agent(settings, macro)
        sources = [(f"BLS {kind}", macro.bls_url + path) for kind, path in BLS_PAGES.items()]
        sources.append(("BEA feed", macro.bea_feed_url))
        for name, url in sources:
            try:
                response = await get_bounded(client, url, deadline=30)
                response.raise_for_status()
                releases = (parse_macro_file(response.text) if name != "BEA feed"
                            else [r for r, _ in _feed_items(response.text)])
                latest = ", ".join(sorted({f"{r.kind} {r.period}" for r in releases})[-4:])
                results.append(CheckResult(name, True, latest))
            except (httpx.HTTPError, MacroParseError, ValueError) as exc:
                results.append(CheckResult(name, False, f"{describe_error(exc)}: {exc}"))
    return results


async def handle_demo_release(reading: Mapping[str, Any],
                              demo: DemoContext) -> list[Publication]:
    """A demo reading whose data is ``{"text": <release text>, "released": ISO time,
    "url": …}``."""
    data = reading["data"]
    releases = parse_macro_file(str(data["text"]))
    released_at = datetime.fromisoformat(str(data["released"]))
    previous = demo.state.get("macro_previous", {})
    publications = []
    for release in releases:
        event = to_event(release, released_at=released_at, url=data.get("url"),
                         previous=previous.get(release.kind))
        previous[release.kind] = event
        await demo.topic.snapshots.set_latest_event("macro", event.key)
        await demo.topic.snapshots.set_latest_event(f"macro_{release.kind}", event.key)
        publications.append(Publication(event))
    demo.state["macro_previous"] = previous
    return publications


DEMO_HANDLERS = {"macro_release": handle_demo_release}
__all__ = ["MacroWatcher", "check"]
