"""The FOMC meeting calendar shared by the statement watcher and the odds.

The schedule ships with the package (``bot/data/fomc_calendar.toml``, also reachable as
``config/fomc_calendar.toml`` in a checkout). ``fedalert calendar refresh`` reads the
Fed's calendar page and rewrites it.
"""

from __future__ import annotations

import bisect
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

EASTERN = ZoneInfo("America/New_York")
STATEMENT_TIME = time(14, 0)
CONFIG_CALENDAR = Path("config/fomc_calendar.toml")


@dataclass(frozen=True, slots=True, order=True)
class Meeting:
    start: date
    end: date  # the decision day

    @property
    def decision_day(self) -> date:
        return self.end

    @property
    def statement_at(self) -> datetime:
        """2:00 p.m. U.S. Eastern on the decision day, as an aware UTC datetime."""
        return datetime.combine(self.end, STATEMENT_TIME, EASTERN).astimezone(UTC)


class FomcCalendar:
    def __init__(self, meetings: Iterable[Meeting], *, updated: date | None = None,
                 source: str | None = None) -> None:
        self.meetings: tuple[Meeting, ...] = tuple(sorted(set(meetings)))
        self.updated = updated
        self.source = source
        self._days = [m.end for m in self.meetings]

    @property
    def decision_days(self) -> tuple[date, ...]:
        return tuple(self._days)

    def is_decision_day(self, day: date) -> bool:
        i = bisect.bisect_left(self._days, day)
        return i < len(self._days) and self._days[i] == day

    def next_meeting(self, now: datetime) -> Meeting | None:
        """The next meeting whose statement is not yet out at ``now``."""
        for meeting in self.meetings:
            if meeting.statement_at > now:
                return meeting
        return None

    def last_meeting(self) -> Meeting | None:
        return self.meetings[-1] if self.meetings else None

    def upcoming(self, after: date) -> list[Meeting]:
        return [m for m in self.meetings if m.end >= after]

    def countdown(self, now: datetime) -> timedelta | None:
        meeting = self.next_meeting(now)
        return meeting.statement_at - now if meeting else None

    # Persistence -----------------------------------------------------------------------
    @classmethod
    def from_toml(cls, text: str) -> FomcCalendar:
        data = tomllib.loads(text)
        meetings = [Meeting(_as_date(m["start"]), _as_date(m["end"]))
                    for m in data.get("meetings", [])]
        updated = data.get("updated")
        return cls(meetings, updated=_as_date(updated) if updated else None,
                   source=data.get("source"))

    @classmethod
    def from_days(cls, days: Sequence[date]) -> FomcCalendar:
        """A calendar from bare decision days (a one-day meeting each)."""
        return cls(Meeting(d, d) for d in days)

    def to_toml(self) -> str:
        lines = [
            "# FOMC scheduled meetings: `end` is the decision day (statement at 2:00 p.m. ET).",
            "# Notation votes and unscheduled meetings are not listed.",
            "# Written by `fedalert calendar refresh`.",
            "",
            f"updated = {(self.updated or date.today()).isoformat()}",
            f'source = "{self.source or ""}"',
            "",
            "meetings = [",
        ]
        lines += [f"  {{ start = {m.start.isoformat()}, end = {m.end.isoformat()} }},"
                  for m in self.meetings]
        lines.append("]")
        return "\n".join(lines) + "\n"


def _as_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def packaged_calendar_text() -> str:
    return resources.files("bot.data").joinpath("fomc_calendar.toml").read_text("utf-8")


def load_calendar(path: Path | None = None) -> FomcCalendar:
    """The calendar from ``path``, else ``config/fomc_calendar.toml``, else the packaged one."""
    for candidate in (path, CONFIG_CALENDAR):
        if candidate is not None and candidate.is_file():
            return FomcCalendar.from_toml(candidate.read_text("utf-8"))
    return FomcCalendar.from_toml(packaged_calendar_text())


def read_decision_days(path: Path) -> FomcCalendar:
    """A plain list of ``YYYY-MM-DD`` lines (``#`` comments allowed), or a calendar TOML."""
    text = path.read_text("utf-8")
    if path.suffix == ".toml":
        return FomcCalendar.from_toml(text)
    days = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            days.append(date.fromisoformat(line))
        except ValueError:
            raise ValueError(f"{path}:{number}: not a YYYY-MM-DD date: {line!r}") from None
    return FomcCalendar.from_days(days)
