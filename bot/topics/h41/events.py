"""The H.4.1 topic's events: a weekly release and a change of QT/QE regime."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import Field

from bot.domain.events import BaseEvent
from bot.domain.programs import Regime

TOPIC = "h41"
__all__ = ["BalanceSheetRelease", "Regime", "RegimeChange"]

class BalanceSheetRelease(BaseEvent):
    kind: Literal["h41_release"] = "h41_release"
    week_ending: date
    release_date: date
    total_assets: int = Field(description="Millions of USD, Wednesday level")
    securities: int
    treasuries: int
    mbs: int
    reserves: int | None = None
    reserves_basis: Literal["week_average", "wednesday"] = "week_average"
    total_assets_change_1w: int | None = None
    securities_change_1w: int | None = None
    treasuries_change_1w: int | None = None
    mbs_change_1w: int | None = None
    reserves_change_1w: int | None = None
    total_assets_change_4w: int | None = None
    total_assets_change_13w: int | None = None
    total_assets_change_52w: int | None = None
    securities_change_13w: int | None = None
    reserves_wednesday: int | None = None
    tga: int | None = Field(None, description="Treasury General Account, Wednesday level")
    on_rrp: int | None = Field(None, description="ON RRP (reverse repos: others), Wednesday")
    reverse_repos: int | None = None
    currency: int | None = None
    tga_change_1w: int | None = None
    on_rrp_change_1w: int | None = None
    net_liquidity: int | None = Field(None, description="Total assets − TGA − ON RRP")
    net_liquidity_change_1w: int | None = None
    net_liquidity_change_4w: int | None = None
    net_liquidity_change_13w: int | None = None
    peak_total_assets: int | None = None
    peak_week: date | None = None
    regime: Regime = Field(description="As the FOMC announced it (the program in force)")
    regime_since: date | None = Field(None, description="When that program took effect")
    treasury_cap: Decimal | None = Field(None, description="Runoff cap, billions a month")
    mbs_cap: Decimal | None = None
    chart: str | None = Field(None, description="Attachment name of the chart PNG")
    url: str | None = None

    @property
    def key(self) -> str:
        return f"h41:{self.week_ending.isoformat()}"

    @property
    def topic(self) -> str:
        return TOPIC


class RegimeChange(BaseEvent):
    kind: Literal["h41_regime"] = "h41_regime"
    week_ending: date
    previous: Regime
    regime: Regime
    securities: int
    securities_change_13w: int
    effective: date | None = Field(None, description="When the new program took effect")
    announced: date | None = Field(None, description="The FOMC statement that announced it")

    @property
    def key(self) -> str:
        return f"h41-regime:{self.week_ending.isoformat()}:{self.regime}"

    @property
    def topic(self) -> str:
        return TOPIC




class LiquidityAlert(BaseEvent):
    """A chat's liquidity rule met by a weekly release (a level crossed, a large move)."""

    kind: Literal["h41_liquidity"] = "h41_liquidity"
    week_ending: date
    metric: Literal["on_rrp", "tga", "reserves", "net_liquidity"]
    test: Literal["below", "above", "move"]
    threshold: int = Field(description="Millions of USD")
    value: int
    change_1w: int | None = None
    url: str | None = None

    @property
    def key(self) -> str:
        return f"h41-liq:{self.week_ending.isoformat()}:{self.metric}:{self.test}:{self.threshold}"

    @property
    def topic(self) -> str:
        return TOPIC
