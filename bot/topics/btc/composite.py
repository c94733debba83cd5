"""The composite BTC price: median of fresh sources without outliers, with a quorum.

1. A source is fresh if its last tick arrived within ``stale_after`` seconds (and, when
   the payload has a time, that time is within ``max_skew`` of ours).
2. Median of the fresh sources; a source more than ``outlier_pct`` from it is set aside,
   and the median recomputed (a wick on one exchange never moves the composite).
3. Fewer than ``quorum`` agreeing sources: no composite, the feed is degraded, no
   threshold fires.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from bot.topics.btc.payloads import Tick


@dataclass(frozen=True, slots=True)
class CompositePrice:
    price: Decimal
    sources: tuple[str, ...]
    quote: str  # USD, USDT or USD/USDT
    at: datetime
    excluded: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Degraded:
    reason: str
    fresh: tuple[str, ...]
    at: datetime


@dataclass(frozen=True)
class CompositeRules:
    stale_after: float = 15.0
    max_skew: float = 5.0
    outlier_pct: float = 1.0
    quorum: int = 2


def composite(latest: Mapping[str, Tick], now: datetime,
              rules: CompositeRules = CompositeRules()) -> CompositePrice | Degraded:
    fresh: dict[str, Tick] = {}
    for source, tick in latest.items():
        if (now - tick.received_at).total_seconds() > rules.stale_after:
            continue
        if tick.exchange_ts is not None and \
                abs((tick.received_at - tick.exchange_ts).total_seconds()) > \
                max(rules.max_skew, rules.stale_after):
            continue
        fresh[source] = tick
    if len(fresh) < rules.quorum:
        return Degraded(f"{len(fresh)} fresh source(s), need {rules.quorum}",
                        tuple(sorted(fresh)), now)
    median = Decimal(statistics.median(t.price for t in fresh.values()))
    limit = median * Decimal(rules.outlier_pct) / 100
    agreeing = {s: t for s, t in fresh.items() if abs(t.price - median) <= limit}
    excluded = tuple(sorted(set(fresh) - set(agreeing)))
    if len(agreeing) < rules.quorum:
        return Degraded(f"sources disagree by more than {rules.outlier_pct}%",
                        tuple(sorted(fresh)), now)
    price = Decimal(statistics.median(t.price for t in agreeing.values()))
    quotes = {t.quote for t in agreeing.values()}
    quote = quotes.pop() if len(quotes) == 1 else "USD/USDT"
    order = ("Binance", "OKX", "Coinbase", "Kraken")
    names = tuple(sorted(agreeing, key=lambda s: order.index(s) if s in order else 99))
    return CompositePrice(price.quantize(Decimal("0.01")), names, quote, now, excluded)
