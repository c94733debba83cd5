"""Prediction markets beside the futures: Kalshi and Polymarket on the next FOMC decision.

Every ``markets.poll_minutes`` the leader reads Kalshi's decision series
(``/markets?series_ticker=KXFEDDECISION&status=open``, the markets closing within three
days of the next decision) and Polymarket's event for that meeting (``/events?slug=
fed-decision-in-<month>``). Each venue's hold, cut and hike probabilities (the sum of its
markets' mids, with the summed bid and ask) are kept in a snapshot that ``/odds`` shows
beside the futures; when a venue's probability of the futures' most likely outcome is more
than ``divergence_points`` away from the futures', odds subscribers get one alert a day
per venue. A venue that is gone, one-sided, thin or unreadable is left out with a log
line, never guessed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Literal

import httpx
from pydantic import Field

from bot import metrics
from bot.config import Settings
from bot.domain.events import BaseEvent, Frozen
from bot.supervision import OutageLog
from bot.topics.base import CheckResult, PollingWatcher, TopicContext
from bot.topics.http import Backoff, describe_error, get_bounded
from bot.topics.markets import (
    MarketQuote,
    MarketsSettings,
    Side,
    closing_near,
    kalshi_quotes,
    polymarket_quotes,
    sides,
)
from bot.topics.odds.snapshot import ODDS_SNAPSHOT, OddsSnapshot

log = logging.getLogger(__name__)
MARKETS_SNAPSHOT = "fomc_markets"


class VenueOdds(Frozen):
    venue: Literal["kalshi", "polymarket"]
    probabilities: dict[str, Decimal] = Field(description="hold / cut / hike, 0-1")
    bids: dict[str, Decimal] = Field(default_factory=dict)
    asks: dict[str, Decimal] = Field(default_factory=dict)
    markets: tuple[str, ...] = ()


class MarketsSnapshot(Frozen):
    meeting: date
    as_of: datetime
    venues: tuple[VenueOdds, ...] = ()

    def venue(self, name: str) -> VenueOdds | None:
        return next((v for v in self.venues if v.venue == name), None)


class MarketDivergence(BaseEvent):
    kind: Literal["odds_markets"] = "odds_markets"
    meeting: date
    side: Side
    futures: Decimal = Field(description="The futures' probability of that outcome, 0-1")
    venue: Literal["kalshi", "polymarket"]
    probability: Decimal
    bid: Decimal | None = None
    ask: Decimal | None = None

    @property
    def key(self) -> str:
        day = self.occurred_at.date().isoformat()
        return f"odds-markets:{self.meeting}:{self.venue}:{self.side}:{day}"

    @property
    def topic(self) -> str:
        return "odds"


def venue_odds(venue: Literal["kalshi", "polymarket"],
               quotes: list[MarketQuote]) -> VenueOdds | None:
    totals = sides(quotes)
    if not totals:
        return None
    return VenueOdds(venue=venue, probabilities={k: v[0] for k, v in totals.items()},
                     bids={k: v[1] for k, v in totals.items()},
                     asks={k: v[2] for k, v in totals.items()},
                     markets=tuple(q.market for q in quotes))


def divergences(snapshot: MarketsSnapshot, odds: OddsSnapshot, points: float,
                now: datetime) -> list[MarketDivergence]:
    """The venues more than ``points`` away from the futures on the futures' likeliest
    outcome of the same meeting."""
    if not odds.meetings or odds.meetings[0].day != snapshot.meeting:
        return []
    first = odds.meetings[0]
    futures = {"hold": first.hold, "cut": first.cut, "hike": first.hike}
    side: Side = max(("hold", "cut", "hike"), key=lambda s: futures[s])
    ours = Decimal(str(futures[side]))
    found = []
    for venue in snapshot.venues:
        theirs = venue.probabilities.get(side, Decimal(0))
        if abs(theirs - ours) * 100 > Decimal(str(points)):
            found.append(MarketDivergence(
                occurred_at=now, meeting=snapshot.meeting, side=side, futures=ours,
                venue=venue.venue, probability=theirs, bid=venue.bids.get(side),
                ask=venue.asks.get(side)))
    return found


class MarketReader:
    """Reads each venue's decision markets for a meeting (the watcher's and ``fedalert
    check``'s): a venue that cannot be read is one line until it is back, and ``why``
    says what kept it out."""

    def __init__(self, markets: MarketsSettings, client: httpx.AsyncClient) -> None:
        self.markets = markets
        self.client = client
        self.why: dict[str, str] = {}
        self.outages = {venue: OutageLog(f"markets: {venue}", log)
                        for venue in ("kalshi", "polymarket")}

    async def read(self, url: str, params: dict[str, str], venue: str) -> object | None:
        try:
            response = await get_bounded(self.client, url, params=params, deadline=30)
            response.raise_for_status()
            data = json.loads(response.text)
        except (httpx.HTTPError, ValueError) as exc:  # left out: one line until it is back
            self.why[venue] = describe_error(exc)
            self.outages[venue].failed(f"left out ({describe_error(exc)})")
            metrics.SOURCE_ERRORS.labels(f"markets_{venue}", describe_error(exc)).inc()
            return None
        self.outages[venue].recovered()
        return data

    async def kalshi(self, meeting: date) -> VenueOdds | None:
        data = await self.read(self.markets.kalshi_url + "/markets",
                               {"series_ticker": self.markets.kalshi_fomc_series,
                                "status": "open", "limit": "200"}, "kalshi")
        if not isinstance(data, dict):
            return None
        quotes, skipped = kalshi_quotes(data)
        for reason in skipped:
            log.debug("markets: %s", reason)
        found = venue_odds("kalshi", closing_near(quotes, meeting))
        if found is None:
            self.why.setdefault("kalshi", "no readable decision market")
            log.info("markets: no readable Kalshi decision market for %s", meeting)
        return found

    async def polymarket(self, meeting: date) -> VenueOdds | None:
        slug = self.markets.polymarket_fomc_slug.format(
            month=meeting.strftime("%B").lower(), year=meeting.year)
        data = await self.read(self.markets.polymarket_url + "/events", {"slug": slug},
                               "polymarket")
        if not isinstance(data, list | dict):
            return None
        quotes, skipped = polymarket_quotes(data)
        for reason in skipped:
            log.debug("markets: %s", reason)
        found = venue_odds("polymarket", quotes)
        if found is None:
            self.why.setdefault("polymarket", f"no readable event {slug}")
            log.info("markets: no readable Polymarket event %s", slug)
        return found




class MarketsWatcher(PollingWatcher):
    name = "markets"

    def __init__(self, ctx: TopicContext, *, client: httpx.AsyncClient | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.ctx = ctx
        self.settings = ctx.settings
        self.markets = ctx.settings.section("markets", MarketsSettings)
        self.client = client
        self.clock = clock or ctx.clock
        self.backoff = Backoff("markets: Kalshi and Polymarket", log)
        self.reader: MarketReader | None = None

    async def step(self) -> float:
        interval = self.markets.poll_minutes * 60
        if not self.markets.enabled:
            return 3600.0
        try:
            await self.check()
            self.backoff.succeeded()
        except (httpx.HTTPError, ValueError) as exc:
            metrics.SOURCE_ERRORS.labels("markets", describe_error(exc)).inc()
            return min(self.backoff.failed(f"{describe_error(exc)}: {exc}"), interval)
        return interval

    async def check(self) -> MarketsSnapshot | None:
        now = self.clock()
        meeting = (await self.ctx.calendar.current()).next_meeting(now)
        if meeting is None:
            return None
        day = meeting.decision_day
        assert self.client is not None
        if self.reader is None or self.reader.client is not self.client:
            self.reader = MarketReader(self.markets, self.client)
        self.reader.markets = self.markets
        self.reader.why.clear()
        venues = [v for v in (await self.reader.kalshi(day), await self.reader.polymarket(day))
                  if v]
        snapshot = MarketsSnapshot(meeting=day, as_of=now, venues=tuple(venues))
        await self.ctx.snapshots.set_model(MARKETS_SNAPSHOT, snapshot)
        odds = await self.ctx.snapshots.get_model(ODDS_SNAPSHOT, OddsSnapshot)
        if odds is not None:
            for event in divergences(snapshot, odds, self.markets.divergence_points, now):
                await self.ctx.publisher.publish(event)
        return snapshot

__all__ = ["MARKETS_SNAPSHOT", "MarketDivergence", "MarketsSnapshot", "MarketsWatcher"]


async def check_markets(settings: Settings) -> list[CheckResult]:
    """``fedalert check``: the next decision's prices on each venue, or why not."""
    from bot.domain.calendar import load_calendar
    from bot.topics.http import make_http_client

    markets = settings.section("markets", MarketsSettings)
    if not markets.enabled:
        return []
    meeting = load_calendar().next_meeting(datetime.now(UTC))
    if meeting is None:
        return []
    results = []
    async with make_http_client(settings) as client:
        reader = MarketReader(markets, client)
        for venue, read in (("kalshi", reader.kalshi), ("polymarket", reader.polymarket)):
            odds = await read(meeting.decision_day)
            name = f"markets: {venue} ({meeting.decision_day})"
            if odds is None:
                results.append(CheckResult(name, False, reader.why.get(venue, "no market")))
            else:
                results.append(CheckResult(name, True, ", ".join(
                    f"{side} {p:.0%}" for side, p in sorted(odds.probabilities.items()))))
    return results
