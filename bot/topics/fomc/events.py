"""The FOMC topic's events: a rate decision with its vote, balance-sheet actions and diff."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field

from bot.domain.events import BaseEvent, Frozen

TOPIC = "fomc"


class FomcEvent(BaseEvent):
    """An event of the FOMC topic (its subscribers get it)."""

    @property
    def topic(self) -> str:
        return TOPIC
Decision = Literal["hike", "cut", "hold"]

DissentTopic = Literal[
    "rate",  # a different rate move (preferred_change_bps)
    "purchases_against", "purchases_for", "purchases_keep",  # asset purchases
    "runoff", "runoff_keep_pace", "maturity_extension",
    "forward_guidance",
    "accommodation_against", "accommodation_for", "accommodation_concern",
    "balance_sheet",  # events stored before the topics above existed
    "other",  # no reason the statement's words clearly support
]


class Dissent(Frozen):
    name: str
    preferred: str | None = Field(None, description="What the member preferred, as written")
    preferred_change_bps: int | None = Field(
        None, description="The rate move the member preferred (0 = no change), when stated")
    about: DissentTopic = "rate"


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


AmountAsset = Literal["treasury", "mbs", "agency_debt", "all"]


class Amount(Frozen):
    """A dollar amount of a balance-sheet action, as the statement states it."""

    asset: AmountAsset
    billions: Decimal
    per: Literal["total", "month"] = Field(description="A total, or a monthly pace")
    change: Literal["level", "cut", "more"] = Field(
        "level", description="cut: the monthly pace is reduced by this much; more: an "
        "increase by this much (merged into the total it brings, as added_billions)")
    added_billions: Decimal | None = Field(None, description="A total reached by an increase "
                                           "of this much ('an additional $750 billion')")
    was_billions: Decimal | None = Field(None, description="The pace it replaces ('rather "
                                         "than $40 billion per month')")
    at_least: bool = False
    up_to: bool = False
    approximate: bool = False
    by: date | None = Field(None, description="A total's horizon (end of the month named)")


class BalanceSheetAction(Frozen):
    kind: BalanceSheetKind
    asset: Literal["treasury", "mbs", "all"] = "all"
    from_billions: Decimal | None = Field(None, description="A redemption cap's old value")
    to_billions: Decimal | None = Field(None, description="A redemption cap's new value")
    amounts: tuple[Amount, ...] = ()
    effective: date | None = Field(None, description="When it starts (first of the month if "
                                   "the statement names only a month)")
    effective_month_only: bool = False
    sentence: str = Field(description="The statement's own sentence, for the record")


class StatementChange(Frozen):
    op: Literal["added", "removed", "changed"]
    before: str | None = None
    after: str | None = None


class FomcDecision(FomcEvent):
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
    release_time_known: bool = True  # False: only the day is known (an offline reading)
    from_point_target: Decimal | None = None  # the single-rate target a first range replaced
    unchanged_sentences: int | None = None
    url: str
    unscheduled: bool = False
    range_stated: bool = Field(True, description="False: an action without a rate decision; "
                                                 "the range is the one before")
    note: NoteRates | None = Field(None, description="The implementation note, if out in time")
    expectation: Expectation | None = None

    @property
    def key(self) -> str:
        return f"fomc:{self.meeting_date.isoformat()}"


class NoteRates(Frozen):
    """The implementation note's administered rates (percent) and runoff caps."""

    iorb: Decimal | None = None
    iorb_label: Literal["IORB", "IOER"] = "IORB"
    on_rrp: Decimal | None = None
    primary_credit: Decimal | None = None
    srf_min_bid: Decimal | None = None
    srf_rate: Decimal | None = None
    effective: date | None = None
    treasury_cap: Decimal | None = None
    mbs_cap: Decimal | None = None
    treasury_cap_next: Decimal | None = None  # caps the directive sets from a later month
    mbs_cap_next: Decimal | None = None
    caps_next_from: date | None = None


class Expectation(Frozen):
    """What fed funds futures priced before the decision (the last settlement day)."""

    as_of: date
    realized: float = Field(description="Probability priced for the move the Fed made")
    favourite_bps: int
    favourite: float


class NoteFollowUp(FomcEvent):
    """The implementation note, when it came out after the decision alert had gone."""

    kind: Literal["fomc_note"] = "fomc_note"
    meeting_date: date
    rates: NoteRates
    url: str

    @property
    def key(self) -> str:
        return f"fomc-note:{self.meeting_date.isoformat()}"

    @property
    def follows_up(self) -> str | None:
        return f"fomc:{self.meeting_date.isoformat()}"  # the decision it completes


class ProjectionsRelease(FomcEvent):
    """The Summary of Economic Projections: Table 1 medians against the previous SEP."""

    kind: Literal["fomc_sep"] = "fomc_sep"
    meeting_date: date
    medians: dict[str, dict[str, Decimal]]
    previous: dict[str, dict[str, Decimal]] | None = None
    previous_date: date | None = None
    chart: str | None = None
    url: str

    @property
    def key(self) -> str:
        return f"fomc-sep:{self.meeting_date.isoformat()}"


class PressConference(FomcEvent):
    """A reminder: the Chair's press conference, live."""

    kind: Literal["fomc_presser"] = "fomc_presser"
    meeting_date: date
    starts_at: datetime
    url: str

    @property
    def key(self) -> str:
        return f"fomc-presser:{self.meeting_date.isoformat()}"


class MinutesRelease(FomcEvent):
    kind: Literal["fomc_minutes"] = "fomc_minutes"
    meeting_date: date
    url: str
    highlights: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"fomc-minutes:{self.meeting_date.isoformat()}"


class BitcoinReaction(FomcEvent):
    """How the BTC composite moved in the minutes after the statement."""

    kind: Literal["fomc_btc_reaction"] = "fomc_btc_reaction"
    meeting_date: date
    minutes_after: int
    price_at_release: Decimal
    price_now: Decimal
    high: Decimal
    low: Decimal

    @property
    def key(self) -> str:
        return f"fomc-btc:{self.meeting_date.isoformat()}:{self.minutes_after}"


class MeetingPreview(FomcEvent):
    """The evening before a decision, in the chats' own time zone."""

    kind: Literal["fomc_preview"] = "fomc_preview"
    meeting_date: date
    statement_at: datetime
    current_low: Decimal | None = None
    current_high: Decimal | None = None
    expectation: Expectation | None = None
    projections: bool = False
    zone: str = Field(description="The time zone whose evening this preview is for")

    @property
    def key(self) -> str:
        return f"fomc-preview:{self.meeting_date.isoformat()}:{self.zone}"


FomcDecision.model_rebuild()  # its note and expectation types are defined below it
