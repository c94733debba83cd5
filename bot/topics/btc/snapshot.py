"""The latest composite price, as ``/btc``, ``/alert`` and ``/status`` read it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from bot.domain.events import Frozen

PRICE_SNAPSHOT = "btc"


class PriceSnapshot(Frozen):
    price: Decimal
    sources: tuple[str, ...] = ()
    quote: str = "USD"
    at: datetime | None = None
