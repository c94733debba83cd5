"""Ports: what the topics need from the core, as narrow Protocols.

A topic's watcher publishes events and keeps snapshots; it does not know about Redis
keys, the outbox or the platforms. ``bot.app`` plugs the real implementations in
(``bot.pipeline.publish.Publisher``, ``bot.store.*``), and tests can plug in their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date as Day
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from pydantic import ConfigDict, Field

from bot.domain.chats import ChatRef
from bot.domain.events import BaseEvent, Frozen

TARGET_RANGE_SNAPSHOT = "target_range"
"""Snapshot the FOMC topic keeps current (a ``TargetRange``). Other topics (odds, a
morning brief) read the range from here, never from FOMC's state."""


class TargetRange(Frozen):
    """The federal funds target range and the day it was set (None: not known)."""

    low: Decimal
    high: Decimal
    date: Day | None = None


@dataclass(frozen=True, slots=True)
class PublishResult:
    event_key: str
    status: str  # new | resumed | duplicate | extended (more chats of a published event)
    queued: int


class Publishes(Protocol):
    async def publish(
        self,
        event: BaseEvent,
        *,
        chats: Iterable[ChatRef] | None = None,
        attachments: Mapping[str, bytes] | None = None,
        more_chats: bool = False,
    ) -> PublishResult:
        """Deliver ``event`` to its topic's subscribers, or only to ``chats`` when given."""
        ...


def market_expectation_snapshot(meeting: Day) -> str:
    """Snapshot the odds topic keeps for each coming decision (a ``MarketExpectation``); the
    FOMC topic reads it when the statement comes out ("as expected" or "a surprise")."""
    return f"market_expectation:{meeting.isoformat()}"


class MarketExpectation(Frozen):
    """What fed funds futures priced for one decision, from one day's settlements."""

    meeting_date: Day
    as_of: Day = Field(description="The settlement day")
    current_low: Decimal
    moves: dict[int, float] = Field(description="Move in basis points → probability")


BTC_PRICE_SNAPSHOT = "btc"
"""The BTC topic's latest composite price; other topics read only its price and time."""


class LatestPrice(Frozen):
    model_config = ConfigDict(frozen=True, extra="ignore")

    price: Decimal
    at: datetime | None = None
