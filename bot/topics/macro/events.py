"""The macro topic's event: a CPI, jobs, PCE or GDP release, with the figures it states."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field

from bot.domain.events import BaseEvent, Frozen
from bot.topics.markets import MarketQuote

TOPIC = "macro"
ReleaseKind = Literal["cpi", "jobs", "pce", "gdp"]


class MacroFigure(Frozen):
    field: str = Field(description="As the corpus truth table names it, e.g. cpi_u_mom_sa_pct")
    period: str = Field(description="2025-08, 2025Q2, or 2025-09..2025-11")
    value: Decimal | None = None
    status: str | None = Field(None, description="NOT_PUBLISHED, NOT_COLLECTED, or "
                               "'less than 0.1 (decrease)' as the release says it")
    trend: str | None = Field(None, description="up, down, flat or little: how the release "
                              "says it moved")


class MacroRelease(BaseEvent):
    kind: Literal["macro_release"] = "macro_release"
    release: ReleaseKind
    period: str
    estimate: str | None = Field(None, description="GDP: advance, second or third")
    figures: tuple[MacroFigure, ...]
    previous: tuple[MacroFigure, ...] = Field(
        (), description="The prior period's figures as fedalert read them then (same field)")
    notes: tuple[str, ...] = ()
    url: str | None = None
    time_known: bool = Field(True, description="False when neither the release nor the "
                             "reading gives its time (a saved file): no time is said")
    markets: tuple[MarketQuote, ...] = ()

    def figure(self, field: str, period: str | None = None) -> MacroFigure | None:
        for figure in self.figures:
            if figure.field == field and (period is None or figure.period == period):
                return figure
        return None

    def previous_value(self, field: str) -> MacroFigure | None:
        for figure in self.previous:
            if figure.field == field:
                return figure
        return None

    @property
    def key(self) -> str:
        return f"macro:{self.release}:{self.period}:{self.estimate or ''}"

    @property
    def topic(self) -> str:
        return TOPIC


class MacroPreview(BaseEvent):
    """The evening before a release, for the chats that asked (``/macro preview on``)."""

    kind: Literal["macro_preview"] = "macro_preview"
    release: ReleaseKind
    period: str | None = None
    due_at: datetime = Field(description="The scheduled release time (UTC)")
    zone: str = Field(description="The time zone whose evening this preview is for")
    last: MacroRelease | None = Field(None, description="The last release of the series read")

    @property
    def key(self) -> str:
        return f"macro-preview:{self.release}:{self.due_at.isoformat()}:{self.zone}"

    @property
    def topic(self) -> str:
        return TOPIC
