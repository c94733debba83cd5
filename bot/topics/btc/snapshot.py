"""The latest composite price, as ``/btc``, ``/alert`` and ``/status`` read it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from bot.domain.events import Frozen
from bot.domain.ports import BTC_PRICE_SNAPSHOT

PRICE_SNAPSHOT = BTC_PRICE_SNAPSHOT  # read by other topics through the port


class PriceSnapshot(Frozen):
    price: Decimal
    sources: tuple[str, ...] = ()
    quote: str = "USD"
    at: datetime | None = None
