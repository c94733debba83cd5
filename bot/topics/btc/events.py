"""The BTC topic's events: a price level crossed, a large move within a window."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field

from bot.domain.events import BaseEvent

TOPIC = "btc"

class PriceCrossing(BaseEvent):
    kind: Literal["price_crossing"] = "price_crossing"
    direction: Literal["above", "below"]
    level: Decimal
    price: Decimal
    sources: tuple[str, ...]
    quote: str = Field("USD", description="What the composite is quoted in, e.g. USD or USD/USDT")
    crossing_id: str = Field(description="Identity of this crossing of this level")
    gap_started: datetime | None = None

    @property
    def key(self) -> str:
        return f"btc:{self.direction}:{self.level}:{self.crossing_id}"

    @property
    def topic(self) -> str:
        return TOPIC


class PriceMove(BaseEvent):
    kind: Literal["price_move"] = "price_move"
    change_pct: float
    window_minutes: int
    reference_price: Decimal
    reference_at: datetime
    price: Decimal
    sources: tuple[str, ...]
    quote: str = "USD"

    @property
    def key(self) -> str:
        sign = "up" if self.change_pct > 0 else "down"
        return f"btc-move:{sign}:{self.window_minutes}:{self.reference_at.isoformat()}"

    @property
    def topic(self) -> str:
        return TOPIC


