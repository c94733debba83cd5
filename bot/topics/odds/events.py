"""The odds topic's event: the market-implied odds of a rate move shifted."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import Field

from bot.domain.events import BaseEvent, Frozen

TOPIC = "odds"

class MeetingOdds(Frozen):
    meeting_date: date
    probabilities: dict[str, float] = Field(description='{"425-450": 0.613, ...}')
    cut: float
    hold: float
    hike: float


OddsReason = Literal["crossed_up", "crossed_down", "jump", "summary"]


class OddsShift(BaseEvent):
    kind: Literal["odds_shift"] = "odds_shift"
    as_of: date
    meeting_date: date
    move: Literal["cut", "hike"]
    probability: float
    previous_day: float | None = None
    previous_week: float | None = None
    previous_day_as_of: date | None = None  # the settlement days those were read from
    previous_week_as_of: date | None = None
    reason: OddsReason
    threshold: float | None = None
    current_range: tuple[Decimal, Decimal]
    meetings: tuple[MeetingOdds, ...] = ()
    chart: str | None = None

    @property
    def key(self) -> str:
        return f"odds:{self.meeting_date}:{self.as_of}:{self.move}:{self.reason}"

    @property
    def topic(self) -> str:
        return TOPIC


