"""The Fed's balance-sheet programs over time: what decides QE, QT, flat or RMP.

The regime of a week is what the FOMC announced and had put in force by that Wednesday
(a packaged history, extended at run time from new statements), not what the securities
happened to do: bill purchases for reserve management grow the balance sheet without
being QE, and runoff ends on the day the Committee named, not when a trend fades.
The H.4.1 topic still checks the securities trend against it and logs a disagreement.
"""

from __future__ import annotations

import bisect
import csv
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from importlib import resources
from typing import Literal

from bot.domain.events import Frozen

Regime = Literal["QT", "QE", "flat", "RMP"]
"""QE: net asset purchases. QT: runoff. flat: holdings kept steady (reinvestment).
RMP: reserve-management purchases of Treasury bills (the Fed: not QE)."""

BALANCE_SHEET_PROGRAMS_SNAPSHOT = "balance_sheet_programs"
"""Snapshot the FOMC topic extends when a statement changes the program (a
``ProgramChanges``); the H.4.1 topic reads it on top of the packaged history."""


class ProgramChange(Frozen):
    effective: date
    regime: Regime
    announced: date
    treasury_cap: Decimal | None = None  # billions a month, runoff only
    mbs_cap: Decimal | None = None
    note: str = ""
    source: str = ""


class ProgramChanges(Frozen):
    changes: tuple[ProgramChange, ...] = ()


def packaged_changes() -> list[ProgramChange]:
    text = resources.files("bot.data").joinpath("balance_sheet_programs.csv").read_text("utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return [ProgramChange(
        effective=date.fromisoformat(row["effective"]), regime=row["regime"],
        announced=date.fromisoformat(row["announced"]),
        treasury_cap=Decimal(row["treasury_cap"]) if row["treasury_cap"] else None,
        mbs_cap=Decimal(row["mbs_cap"]) if row["mbs_cap"] else None,
        note=row["note"], source=row["source"]) for row in rows]


class ProgramHistory:
    """Program changes in order of taking effect; ``at(day)`` is the one in force."""

    def __init__(self, changes: Iterable[ProgramChange]) -> None:
        by_day: dict[date, ProgramChange] = {}
        for change in sorted(changes, key=lambda c: (c.effective, c.announced)):
            by_day[change.effective] = change  # a later announcement for the same day wins
        self.changes: list[ProgramChange] = list(by_day.values())
        self._days = [c.effective for c in self.changes]

    @classmethod
    def packaged(cls, extra: Sequence[ProgramChange] = ()) -> ProgramHistory:
        """The packaged history, with ``extra`` changes announced after it (from the store)."""
        base = packaged_changes()
        last = max(c.announced for c in base)
        return cls([*base, *(c for c in extra if c.announced > last)])

    def at(self, day: date) -> ProgramChange | None:
        index = bisect.bisect_right(self._days, day) - 1
        return self.changes[index] if index >= 0 else None

    def regime_on(self, day: date) -> Regime:
        change = self.at(day)
        return change.regime if change else "flat"

    def since(self, day: date) -> date | None:
        """When the regime in force on ``day`` began (cap changes do not restart it)."""
        index = bisect.bisect_right(self._days, day) - 1
        if index < 0:
            return None
        regime = self.changes[index].regime
        while index > 0 and self.changes[index - 1].regime == regime:
            index -= 1
        return self.changes[index].effective
