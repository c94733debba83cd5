"""From a statement's balance-sheet actions to changes of the program in force.

A new statement that starts or ends purchases or runoff, changes a runoff cap or starts
reserve-management purchases extends the program history that the H.4.1 topic labels
each week by (``bot.domain.programs``). Tapers and reinvestment leave the regime as is.
"""

from __future__ import annotations

from bot.domain.programs import ProgramChange, ProgramHistory, Regime
from bot.topics.fomc.events import BalanceSheetAction, FomcDecision

REGIME_OF_ACTION: dict[str, Regime] = {
    "purchases": "QE",
    "purchases_end": "flat",
    "runoff_start": "QT",
    "runoff_end": "flat",
    "reserve_management_purchases": "RMP",
}


def program_changes(event: FomcDecision, history: ProgramHistory) -> list[ProgramChange]:
    """The program changes ``event`` announces, each from its effective day."""
    changes: list[ProgramChange] = []
    for action in event.balance_sheet:
        effective = action.effective or event.meeting_date
        if action.kind == "cap_change":
            changes.append(_cap_change(action, event, history))
        elif action.kind in REGIME_OF_ACTION:
            changes.append(ProgramChange(
                effective=effective, regime=REGIME_OF_ACTION[action.kind],
                announced=event.meeting_date, note=action.sentence[:200], source=event.url))
    return changes


def _cap_change(action: BalanceSheetAction, event: FomcDecision,
                history: ProgramHistory) -> ProgramChange:
    effective = action.effective or event.meeting_date
    before = history.at(effective)
    treasury = before.treasury_cap if before else None
    mbs = before.mbs_cap if before else None
    if action.asset == "treasury":
        treasury = action.to_billions
    else:
        mbs = action.to_billions
    return ProgramChange(effective=effective, regime="QT", announced=event.meeting_date,
                         treasury_cap=treasury, mbs_cap=mbs, note=action.sentence[:200],
                         source=event.url)
