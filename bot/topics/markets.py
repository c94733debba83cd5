"""Prediction-market prices as probabilities: Kalshi's and Polymarket's public market data.

Shared by the topics that show them (odds: the FOMC decision; macro: the releases).

Pure functions, no I/O. Kalshi's ``GET /trade-api/v2/markets`` answers ``{"markets": [...]}``
with ``yes_bid``/``yes_ask`` in cents (or ``yes_bid_dollars``/``yes_ask_dollars``);
Polymarket's Gamma ``/events?slug=…`` gives events whose ``markets`` carry ``bestBid``,
``bestAsk`` and ``groupItemTitle``. A quote is the mid of bid and ask, kept with both. A
market that is closed, has no two-sided quote, or whose spread is wider than
``MAX_SPREAD`` is left out with the reason (a log line for the caller), never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.config import HttpUrl
from bot.domain.events import Frozen

MAX_SPREAD = Decimal("0.10")
OPEN = {"active", "open", "initialized"}
Side = Literal["hold", "cut", "hike"]


class MarketsSettings(BaseModel):
    """``[markets]`` in the settings file, ``FEDALERT_MARKETS__…`` in the environment."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(True, description="Read Kalshi's and Polymarket's public prices")
    kalshi_url: HttpUrl = "https://api.elections.kalshi.com/trade-api/v2"
    polymarket_url: HttpUrl = "https://gamma-api.polymarket.com"
    kalshi_fomc_series: str = "KXFEDDECISION"
    polymarket_fomc_slug: str = Field(
        "fed-decision-in-{month}", description="The Gamma event slug of a meeting's decision "
        "market; {month} is the meeting's month in English, lower case")
    kalshi_release_series: dict[str, str] = Field(
        default_factory=lambda: {"cpi": "KXCPI", "jobs": "KXPAYROLLS"},
        description="Kalshi series whose markets price a macro release (threshold markets)")
    poll_minutes: float = Field(10.0, ge=1)
    divergence_points: float = Field(
        15.0, ge=1, le=100, description="Alert odds subscribers when a market's probability "
        "of the futures' most likely outcome differs from the futures' by more than this")


class MarketQuote(Frozen):
    """A prediction market's price for an outcome, read from its public market data."""

    venue: Literal["kalshi", "polymarket"]
    market: str = Field(description="The market's ticker or slug")
    outcome: str = Field(description="What it pays on, in the venue's own words")
    probability: Decimal = Field(description="Mid of bid and ask, 0-1")
    bid: Decimal | None = None
    ask: Decimal | None = None
    strike: Decimal | None = Field(None, description="A threshold market's level")
    strike_type: str | None = Field(None, description="greater | less | between")
    closes: str | None = Field(None, description="The market's close time, as given")


def _field(market: Mapping[str, Any], name: str) -> Any:
    """A field by its documented name, or as the old SDK wrote it (``_yes_bid``)."""
    return market.get(name, market.get(f"_{name}"))


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _quote(venue: str, market: str, outcome: str, bid: Decimal | None, ask: Decimal | None,
           skipped: list[str], **extra: Any) -> MarketQuote | None:
    if bid is None or ask is None or ask <= 0 or bid >= 1:
        skipped.append(f"{venue} {market}: no two-sided quote")
        return None
    if not Decimal(0) <= bid <= ask <= Decimal(1):
        skipped.append(f"{venue} {market}: bid {bid} / ask {ask} out of range")
        return None
    if ask - bid > MAX_SPREAD:
        skipped.append(f"{venue} {market}: thin (spread {ask - bid})")
        return None
    return MarketQuote(venue=venue, market=market, outcome=outcome,
                       probability=(bid + ask) / 2, bid=bid, ask=ask, **extra)


def kalshi_quotes(payload: Mapping[str, Any]) -> tuple[list[MarketQuote], list[str]]:
    quotes: list[MarketQuote] = []
    skipped: list[str] = []
    markets = payload.get("markets", [])
    for market in markets if isinstance(markets, list) else []:
        if not isinstance(market, Mapping):
            continue
        ticker = str(_field(market, "ticker") or "?")
        status = str(_field(market, "status") or "").lower()
        if status and status not in OPEN:
            skipped.append(f"kalshi {ticker}: {status}")
            continue
        bid = _decimal(_field(market, "yes_bid_dollars"))
        ask = _decimal(_field(market, "yes_ask_dollars"))
        if bid is None or ask is None:
            cents_bid, cents_ask = (_decimal(_field(market, "yes_bid")),
                                    _decimal(_field(market, "yes_ask")))
            bid = cents_bid / 100 if cents_bid is not None else None
            ask = cents_ask / 100 if cents_ask is not None else None
        outcome = str(_field(market, "yes_sub_title") or _field(market, "subtitle") or
                      _field(market, "title") or ticker)
        strike = _decimal(_field(market, "floor_strike"))
        quote = _quote("kalshi", ticker, outcome, bid, ask, skipped, strike=strike,
                       strike_type=_field(market, "strike_type") if strike is not None else None,
                       closes=_field(market, "close_time"))
        if quote is not None:
            quotes.append(quote)
    return quotes, skipped


def polymarket_quotes(events: Iterable[Mapping[str, Any]] | Mapping[str, Any]
                      ) -> tuple[list[MarketQuote], list[str]]:
    quotes: list[MarketQuote] = []
    skipped: list[str] = []
    for event in [events] if isinstance(events, Mapping) else events:
        for market in event.get("markets", []) or []:
            if not isinstance(market, Mapping):
                continue
            slug = str(market.get("slug") or market.get("id") or "?")
            if market.get("closed") or market.get("active") is False:
                skipped.append(f"polymarket {slug}: closed")
                continue
            outcome = str(market.get("groupItemTitle") or market.get("question") or slug)
            quote = _quote("polymarket", slug, outcome, _decimal(market.get("bestBid")),
                           _decimal(market.get("bestAsk")), skipped,
                           closes=market.get("endDate"))
            if quote is not None:
                quotes.append(quote)
    return quotes, skipped


def closing_near(quotes: Iterable[MarketQuote], day: date,
                 window: timedelta = timedelta(days=3)) -> list[MarketQuote]:
    """The markets closing within ``window`` of ``day`` (a meeting's, a release's): the
    open markets of that occasion, not of the next one."""
    kept = []
    for quote in quotes:
        try:
            closes = datetime.fromisoformat(str(quote.closes).replace("Z", "+00:00"))
        except ValueError:
            continue
        if abs(closes.date() - day) <= window:
            kept.append(quote)
    return kept


_HOLD = re.compile(r"\b(?:hold|no change|unchanged|maintain\w*|pause|steady)\b", re.I)
_CUT = re.compile(r"\b(?:cut|decrease|lower|reduce|ease)\w*", re.I)
_HIKE = re.compile(r"\b(?:hike|increase|raise|higher)\w*", re.I)


_BPS = re.compile(r"([+\-\u2212]?)\s*(\d+)\+?\s*(?:bps|bp|basis points)\b", re.I)
_DECISION_TICKER = re.compile(r"-([CH])(\d+)$")  # Kalshi's …-C25 (cut 25), …-H0 (hold)


def decision_side(outcome: str, market: str = "") -> Side | None:
    """What a decision market pays on: hold, a cut or a hike (None: not a decision), from
    its words ("No change", "25 bps decrease", "Hike 25bps"), a signed size ("-25 bps"),
    else Kalshi's ticker suffix."""
    if _HOLD.search(outcome):
        return "hold"
    if _CUT.search(outcome):
        return "cut"
    if _HIKE.search(outcome):
        return "hike"
    size = _BPS.search(outcome)
    if size is not None:
        if int(size.group(2)) == 0:
            return "hold"
        return "cut" if size.group(1) in ("-", "\u2212") else "hike" if size.group(1) else None
    ticker = _DECISION_TICKER.search(market)
    if ticker is not None:
        if int(ticker.group(2)) == 0:
            return "hold"
        return "cut" if ticker.group(1) == "C" else "hike"
    return None


def sides(quotes: Iterable[MarketQuote]) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
    """Each side's probability (the sum of its markets' mids), with the summed bid and ask."""
    totals: dict[str, tuple[Decimal, Decimal, Decimal]] = {}
    for quote in quotes:
        side = decision_side(quote.outcome, quote.market)
        if side is None or quote.bid is None or quote.ask is None:
            continue
        mid, bid, ask = totals.get(side, (Decimal(0), Decimal(0), Decimal(0)))
        totals[side] = (mid + quote.probability, bid + quote.bid, ask + quote.ask)
    return totals
