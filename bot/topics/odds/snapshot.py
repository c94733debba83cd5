"""The latest odds table, as ``/odds`` and ``/status`` read it (same JSON as before)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import ConfigDict, Field

from bot.domain.events import Frozen

ODDS_SNAPSHOT = "odds"


class MeetingView(Frozen):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    day: date = Field(alias="date")
    probabilities: dict[str, float]
    cut: float
    hold: float
    hike: float
    expected_rate: float | None = None
    implied_rate: float | None = None


class PastView(Frozen):
    """The next meeting's odds as they stood a day, a week or a month before."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    as_of: date
    day: date = Field(alias="date")
    cut: float | None = None
    hold: float | None = None
    hike: float | None = None


class OddsSnapshot(Frozen):
    model_config = ConfigDict(frozen=True, extra="ignore")

    as_of: date
    current_range: tuple[Decimal, Decimal]
    day_count: str = "cme"
    meetings: tuple[MeetingView, ...] = ()
    history: dict[str, PastView] = Field(default_factory=dict)
    chart_event: str | None = None
