"""The FOMC meeting calendar shared by the statement watcher and the odds.

The schedule ships with the package (``bot/data/fomc_calendar.toml``); a running
deployment reads the copy its leader refreshes daily (``bot.store.calendar``), else this
one. ``fedalert calendar refresh`` rewrites a calendar file for maintainers.
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

    def upcoming(self, after: date) -> list[Meeting]:
        return [m for m in self.meetings if m.end >= after]

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
    """The calendar in ``path``, else the packaged one (never a file found by the working
    directory: a deployment's calendar is the refreshed copy in its store)."""
    if path is not None and path.is_file():
        return FomcCalendar.from_toml(path.read_text("utf-8"))
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


_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")


def _month_number(name: str) -> int:
    name = name.strip().lower().rstrip(".")
    for index, month in enumerate(_MONTHS, 1):
        if month.startswith(name[:3]):
            return index
    raise ValueError(f"not a month: {name!r}")


def parse_calendar_page(html: str) -> list[Meeting]:
    """Scheduled meetings from the Fed's ``fomccalendars.htm`` (pure; no I/O).

    One panel per year (``2026 FOMC Meetings``), one ``fomc-meeting`` row per meeting with
    a month (``Apr/May``: the decision falls in the last one) and days (``27-28``, ``30-1``,
    ``15-16*`` for a projections meeting). Notation votes and unscheduled meetings are
    skipped: they are not decision days of the schedule.
    """
    import re

    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    meetings: list[Meeting] = []
    year: int | None = None
    # document order: a "YYYY FOMC Meetings" heading sets the year of the rows after it
    for tag in soup.find_all(lambda t: t.name in ("h3", "h4", "h5") or "fomc-meeting__month"
                             in (t.get("class") or [])):
        if tag.name in ("h3", "h4", "h5"):
            heading = re.search(r"(\d{4})\s+FOMC Meetings", tag.get_text(" "))
            if heading:
                year = int(heading.group(1))
            continue
        date_tag = tag.find_next(class_="fomc-meeting__date")
        if year is None or date_tag is None:
            continue
        month_text = tag.get_text(" ").strip()
        day_text = date_tag.get_text(" ").strip().lower()
        if any(word in day_text for word in ("notation", "unscheduled", "conference call",
                                             "cancel")):
            continue
        days = re.findall(r"\d{1,2}", day_text.replace("*", ""))
        if not days:
            continue
        try:
            months = [_month_number(m) for m in re.split(r"[/\-]", month_text) if m.strip()]
        except ValueError:
            continue
        first_month, last_month = months[0], months[-1]
        start_day, end_day = int(days[0]), int(days[-1])
        if start_day <= end_day:  # both days in one month
            last_month = first_month
        start_year = year - 1 if first_month > last_month else year
        try:
            meetings.append(Meeting(date(start_year, first_month, start_day),
                                    date(year, last_month, end_day)))
        except ValueError:
            continue
    return meetings


def merge_calendar(current: FomcCalendar, fetched: list[Meeting], *, source: str,
                   today: date) -> FomcCalendar:
    """The fetched years replace the same years of the current calendar; others are kept."""
    years = {m.end.year for m in fetched}
    kept = [m for m in current.meetings if m.end.year not in years]
    return FomcCalendar([*kept, *fetched], updated=today, source=source)


def preview_moment(happens_at: datetime, zone: str, hour: int) -> datetime:
    """The last ``hour``:00 in ``zone`` at least four hours before ``happens_at``: the
    evening before in New York (20:00 before a 2 pm statement), the same evening in Taipei
    (02:00 release). Shared by the FOMC and macro-release previews."""
    tz = ZoneInfo(zone)
    local = happens_at.astimezone(tz)
    moment = datetime.combine(local.date(), time(hour), tz)
    while moment > local - timedelta(hours=4):
        moment -= timedelta(days=1)
    return moment.astimezone(UTC)
