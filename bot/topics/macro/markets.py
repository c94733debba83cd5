"""Prediction-market prices as probabilities: Kalshi's and Polymarket's public market data.

Pure functions, no I/O. Kalshi's ``GET /trade-api/v2/markets`` answers ``{"markets": [...]}``
with ``yes_bid``/``yes_ask`` in cents (or ``yes_bid_dollars``/``yes_ask_dollars``);
Polymarket's Gamma ``/events?slug=…`` gives events whose ``markets`` carry ``bestBid``,
``bestAsk`` and ``groupItemTitle``. A quote is the mid of bid and ask, kept with both. A
market that is closed, has no two-sided quote, or whose spread is wider than
``MAX_SPREAD`` is left out with the reason (a log line for the caller), never guessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.topics.macro.events import MarketQuote

MAX_SPREAD = Decimal("0.10")
OPEN = {"active", "open", "initialized"}


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
           skipped: list[str]) -> MarketQuote | None:
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
                       probability=(bid + ask) / 2, bid=bid, ask=ask)


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
        quote = _quote("kalshi", ticker, outcome, bid, ask, skipped)
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
                           _decimal(market.get("bestAsk")), skipped)
            if quote is not None:
                quotes.append(quote)
    return quotes, skipped


def divergence(ours: Decimal, quote: MarketQuote) -> Decimal:
    """Percentage points between the futures' probability and a market's (0-100)."""
    return abs(ours - quote.probability) * 100
