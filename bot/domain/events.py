"""Domain events: what happened in the world, before anyone decided how to say it.

Events are immutable pydantic models so they serialise to Redis and back unchanged. Each
has a ``key`` derived only from the real-world happening (never from the time we noticed
it or the instance that did): two instances, or one instance after a restart, produce the
same key for the same statement, release or crossing, and the outbox delivers it once.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from bot.domain.chats import Topic

Decision = Literal["hike", "cut", "hold"]
Regime = Literal["QT", "QE", "flat"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class BaseEvent(_Frozen):
    kind: str
    occurred_at: datetime = Field(description="When it happened (UTC), e.g. the release time")
    late: bool = Field(False, description="Detected after a gap (restart, outage): say so")

    @property
    def key(self) -> str:  # pragma: no cover - every kind overrides it
        raise NotImplementedError

    @property
    def topic(self) -> Topic:  # pragma: no cover
        raise NotImplementedError


# FOMC ---------------------------------------------------------------------------------
class Dissent(_Frozen):
    name: str
    preferred: str | None = Field(None, description="What the member preferred, as written")
    preferred_change_bps: int | None = Field(
        None, description="The rate move the member preferred (0 = no change), when stated")
    about: Literal["rate", "balance_sheet", "other"] = "rate"


BalanceSheetKind = Literal[
    "purchases",  # QE: new or larger asset purchases
    "taper",  # purchases slowed
    "purchases_end",
    "reinvest",  # principal reinvested (size kept)
    "maturity_extension",
    "runoff_start",  # QT begins
    "cap_change",  # a monthly redemption cap changes
    "runoff_end",
    "reserve_management_purchases",
]


class BalanceSheetAction(_Frozen):
    kind: BalanceSheetKind
    asset: Literal["treasury", "mbs", "all"] = "all"
    from_billions: Decimal | None = None
    to_billions: Decimal | None = None
    effective: date | None = Field(None, description="When it starts (first of the month if "
                                   "the statement names only a month)")
    sentence: str = Field(description="The statement's own sentence, for the record")


class StatementChange(_Frozen):
    op: Literal["added", "removed", "changed"]
    before: str | None = None
    after: str | None = None


class FomcDecision(BaseEvent):
    kind: Literal["fomc_decision"] = "fomc_decision"
    meeting_date: date
    decision: Decision
    change_bps: int
    target_low: Decimal
    target_high: Decimal
    votes_for: int | None = None
    dissenters: tuple[Dissent, ...] = ()
    balance_sheet: tuple[BalanceSheetAction, ...] = ()
    changes: tuple[StatementChange, ...] = ()
    unchanged_sentences: int | None = None
    url: str
    unscheduled: bool = False

    @property
    def key(self) -> str:
        return f"fomc:{self.meeting_date.isoformat()}"

    @property
    def topic(self) -> Topic:
        return Topic.FOMC


# H.4.1 --------------------------------------------------------------------------------
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
    peak_total_assets: int | None = None
    peak_week: date | None = None
    regime: Regime
    chart: str | None = Field(None, description="Attachment name of the chart PNG")
    url: str | None = None

    @property
    def key(self) -> str:
        return f"h41:{self.week_ending.isoformat()}"

    @property
    def topic(self) -> Topic:
        return Topic.H41


class RegimeChange(BaseEvent):
    kind: Literal["h41_regime"] = "h41_regime"
    week_ending: date
    previous: Regime
    regime: Regime
    securities: int
    securities_change_13w: int

    @property
    def key(self) -> str:
        return f"h41-regime:{self.week_ending.isoformat()}:{self.regime}"

    @property
    def topic(self) -> Topic:
        return Topic.H41


# Odds ---------------------------------------------------------------------------------
class MeetingOdds(_Frozen):
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
    reason: OddsReason
    threshold: float | None = None
    current_range: tuple[Decimal, Decimal]
    meetings: tuple[MeetingOdds, ...] = ()
    chart: str | None = None

    @property
    def key(self) -> str:
        return f"odds:{self.meeting_date}:{self.as_of}:{self.move}:{self.reason}"

    @property
    def topic(self) -> Topic:
        return Topic.ODDS


# BTC ----------------------------------------------------------------------------------
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
    def topic(self) -> Topic:
        return Topic.BTC


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
    def topic(self) -> Topic:
        return Topic.BTC


Event = Annotated[
    FomcDecision | BalanceSheetRelease | RegimeChange | OddsShift | PriceCrossing | PriceMove,
    Field(discriminator="kind"),
]
EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)


def event_to_json(event: BaseEvent) -> str:
    return event.model_dump_json()


def event_from_json(raw: str | bytes) -> Event:
    return EVENT_ADAPTER.validate_json(raw)
