"""The FOMC topic's events: a rate decision with its vote, balance-sheet actions and diff."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import Field

from bot.domain.events import BaseEvent, Frozen

TOPIC = "fomc"
Decision = Literal["hike", "cut", "hold"]

class Dissent(Frozen):
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


class BalanceSheetAction(Frozen):
    kind: BalanceSheetKind
    asset: Literal["treasury", "mbs", "all"] = "all"
    from_billions: Decimal | None = None
    to_billions: Decimal | None = None
    effective: date | None = Field(None, description="When it starts (first of the month if "
                                   "the statement names only a month)")
    sentence: str = Field(description="The statement's own sentence, for the record")


class StatementChange(Frozen):
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
    def topic(self) -> str:
        return TOPIC


