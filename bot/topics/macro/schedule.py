"""When the CPI, the jobs report, PCE and GDP come out: read from BLS's and BEA's own pages.

Pure functions, no I/O. Accepted inputs (text or HTML): BLS's release-calendar list view
(``schedule/2025/09_sched_list.htm``), a release's schedule page
(``schedule/news_release/cpi.htm``), BLS's "Revised news release dates" page after a lapse
in appropriations (revised days, ``Canceled``, ``NO CHANGE``), a BLS reschedule notice, BEA's
RSS feed (each item's ``NextReleaseDate``) and BEA's schedule notices ("… is cancelled",
"… will be released on Dec. 5 at 10 a.m."). Entries merge by release and period, later
sources over earlier ones, so a reschedule or a cancellation replaces the day first
published. Times are US Eastern.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from importlib import resources
from zoneinfo import ZoneInfo

from bot.topics.macro.parse import MONTH, MONTHS, html_to_text, looks_like_html

EASTERN = ZoneInfo("America/New_York")
DEFAULT_TIME = time(8, 30)
NAMES = {"Consumer Price Index": "cpi", "Employment Situation": "jobs",
         "Personal Income and Outlays": "pce", "Gross Domestic Product": "gdp", "GDP": "gdp"}
_NAME = r"(?P<name>Consumer Price Index|Employment Situation|Personal Income and Outlays|" \
        r"Gross Domestic Product|GDP)"
_DAY = rf"(?:\w+day, )?{MONTH} \d{{1,2}},? \d{{4}}"
_CLOCK = r"(?P<clock>\d{1,2}(?::\d{2})? ?[AaPp]\.?[Mm]\.?)"
_QUARTER = r"(?:1st|2nd|3rd|4th|First|Second|Third|Fourth) Quarter"


@dataclass(frozen=True)
class ScheduledRelease:
    kind: str  # cpi | jobs | pce | gdp
    period: str | None  # 2025-09, 2025Q3; None when the source gives only the day
    day: date | None  # None for a cancelled release
    at: time = DEFAULT_TIME
    status: str = "scheduled"  # scheduled | canceled
    source: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.period or (self.day.isoformat() if self.day else "?"))

    def moment(self) -> datetime | None:
        if self.day is None:
            return None
        return datetime.combine(self.day, self.at, EASTERN)

    def as_toml(self) -> str:
        fields = [f'kind = "{self.kind}"']
        if self.period:
            fields.append(f'period = "{self.period}"')
        if self.day:
            fields.append(f"day = {self.day.isoformat()}")
            fields.append(f'at = "{self.at.strftime("%H:%M")}"')
        fields.append(f'status = "{self.status}"')
        if self.source:
            fields.append(f'source = "{self.source}"')
        return "[[release]]\n" + "\n".join(fields) + "\n"


def _day(text: str) -> date | None:
    match = re.search(rf"({MONTH}) (\d{{1,2}}),? (\d{{4}})", text)
    if not match:
        return None
    try:
        return date(int(match.group(3)), MONTHS[match.group(1).lower().rstrip(".")],
                    int(match.group(2)))
    except ValueError:
        return None


def _clock(text: str | None) -> time:
    if not text:
        return DEFAULT_TIME
    match = re.match(r"(\d{1,2})(?::(\d{2}))? ?([AaPp])", text)
    if not match:
        return DEFAULT_TIME
    hour = int(match.group(1)) % 12 + (12 if match.group(3).lower() == "p" else 0)
    return time(hour, int(match.group(2) or 0))


def _period(text: str) -> str | None:
    month = re.fullmatch(rf"({MONTH}),? (\d{{4}})", text.strip())
    if month:
        return f"{int(month.group(2)):04d}-{MONTHS[month.group(1).lower().rstrip('.')]:02d}"
    quarter = re.search(r"(1st|2nd|3rd|4th|First|Second|Third|Fourth) Quarter,? (\d{4})", text,
                        re.I) or re.search(r"Q([1-4]) (\d{4})", text)
    if quarter:
        word = quarter.group(1).lower()
        number = {"1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "first": 1, "second": 2,
                  "third": 3, "fourth": 4}.get(word) or int(word)
        return f"{quarter.group(2)}Q{number}"
    return None


def _lines(raw: str) -> str:
    text = html_to_text(raw) if looks_like_html(raw) else raw
    text = text.replace("\u00a0", " ").replace("&nbsp;", " ")
    cells = [re.sub(r"[ \t|]+", " ", line).strip() for line in text.splitlines()]
    return "\n".join(cell for cell in cells if cell)


def parse_schedule(raw: str, source: str = "") -> list[ScheduledRelease]:
    """Every CPI, jobs, PCE and GDP release day a schedule page or notice states."""
    text = _lines(raw)
    found: list[ScheduledRelease] = []
    # BLS list view: day, time, "Employment Situation for August 2020"
    for m in re.finditer(rf"(?P<day>{_DAY})\n{_CLOCK}\n{_NAME} for (?P<period>{MONTH} \d{{4}}|"
                         rf"{_QUARTER} \d{{4}})", text):
        found.append(ScheduledRelease(NAMES[m.group("name")], _period(m.group("period")),
                                      _day(m.group("day")), _clock(m.group("clock")),
                                      source=source))
    # BLS revised dates after a lapse: name, period, previous day, revised day | Canceled
    for m in re.finditer(rf"^{_NAME}\n(?P<period>{MONTH} \d{{4}})\n(?P<old>{_DAY})\n"
                         rf"(?P<new>{_DAY}|Cancell?ed[^\n]*|NO CHANGE)(?:\n{_CLOCK})?", text,
                         re.M):
        new = m.group("new")
        period = _period(m.group("period"))
        kind = NAMES[m.group("name")]
        if new.lower().startswith("cancel"):
            found.append(ScheduledRelease(kind, period, None, status="canceled",
                                          source=source))
            continue
        day = _day(m.group("old")) if new == "NO CHANGE" else _day(new)
        found.append(ScheduledRelease(kind, period, day, _clock(m.group("clock")),
                                      source=source))
    # a release's own schedule page: "October 2021 Nov. 05, 2021 08:30 AM"
    title = re.search(rf"Schedule of Releases for the {_NAME}", text)
    if title:
        kind = NAMES[title.group("name")]
        for m in re.finditer(rf"^(?P<period>{MONTH} \d{{4}})\s+(?P<day>{MONTH} \d{{1,2}}, "
                             rf"\d{{4}})\s+{_CLOCK}", text, re.M):
            found.append(ScheduledRelease(kind, _period(m.group("period")), _day(m.group("day")),
                                          _clock(m.group("clock")), source=source))
    flat = re.sub(r"\s+", " ", text)
    # BLS notice: "BLS will publish the September 2025 Consumer Price Index (CPI) on Friday,
    # October 24, 2025, at 8:30 A.M."
    for m in re.finditer(rf"will publish the (?P<period>{MONTH} \d{{4}}) {_NAME}[^.]*? on "
                         rf"(?P<day>{_DAY}),? at {_CLOCK}", flat):
        found.append(ScheduledRelease(NAMES[m.group("name")], _period(m.group("period")),
                                      _day(m.group("day")), _clock(m.group("clock")),
                                      source=source))
    # BEA notices: "Gross Domestic Product, 3rd Quarter 2025 (Advance Estimate) is cancelled."
    for m in re.finditer(rf"{_NAME}, (?P<period>{MONTH} \d{{4}}|{_QUARTER} \d{{4}})[^.]*? is "
                         rf"cancell?ed", flat):
        found.append(ScheduledRelease(NAMES[m.group("name")], _period(m.group("period")), None,
                                      status="canceled", source=source))
    for m in re.finditer(rf"{_NAME}, (?P<period>{MONTH} \d{{4}}|{_QUARTER} \d{{4}}),? will be "
                         rf"released on (?P<day>{MONTH} \d{{1,2}})(?:, (?P<year>\d{{4}}))? at "
                         rf"{_CLOCK}", flat):
        period = _period(m.group("period"))
        day = _after_period(m.group("day"), m.group("year"), period)
        if day:
            found.append(ScheduledRelease(NAMES[m.group("name")], period, day,
                                          _clock(m.group("clock")), source=source))
    found.extend(_bea_feed(raw, source))
    return merge([], found)


def _after_period(day_text: str, year: str | None, period: str | None) -> date | None:
    """"Dec. 5" for the September 2025 release: the first such day after the period."""
    match = re.match(rf"({MONTH}) (\d{{1,2}})", day_text)
    if not match or period is None:
        return None
    month = MONTHS[match.group(1).lower().rstrip(".")]
    start_year = int(period[:4])
    for candidate in ([int(year)] if year else [start_year, start_year + 1]):
        try:
            day = date(candidate, month, int(match.group(2)))
        except ValueError:
            return None
        if day.isoformat()[:7] > period[:7] or year:
            return day
    return None


def _bea_feed(raw: str, source: str) -> list[ScheduledRelease]:
    """BEA's feed: each item's ``NextReleaseDate`` is the day of that series' next release
    (the period is not stated, so it is left out)."""
    found = []
    for item in re.findall(r"<item\b.*?</item>", raw, re.S):
        title = re.search(r"<title>(.*?)</title>", item, re.S)
        next_day = re.search(r"<NextReleaseDate>(.*?)</NextReleaseDate>", item, re.S)
        if not title or not next_day:
            continue
        name = title.group(1)
        kind = "pce" if "Personal Income and Outlays" in name else \
            "gdp" if name.startswith("GDP") or "Gross Domestic Product" in name else None
        day = _day(next_day.group(1).replace(" 0", " ").strip()) or _day(
            re.sub(rf"({MONTH}) (\d{{1,2}}) (\d{{4}})", r"\1 \2, \3", next_day.group(1)))
        if kind and day:
            found.append(ScheduledRelease(kind, None, day, DEFAULT_TIME, source=source))
    return found


def merge(current: Iterable[ScheduledRelease],
          newer: Iterable[ScheduledRelease]) -> list[ScheduledRelease]:
    """Entries by release and period; a newer source replaces an older one's day or status.
    A day-only entry (BEA's feed) is dropped once an entry with a period names that day."""
    by_key: dict[tuple[str, str], ScheduledRelease] = {}
    for entry in [*current, *newer]:
        by_key[entry.key] = entry
    with_period = {(e.kind, e.day) for e in by_key.values() if e.period and e.day}
    kept = [e for e in by_key.values() if e.period or (e.kind, e.day) not in with_period]
    return sorted(kept, key=lambda e: (e.day or date.min, e.kind, e.period or ""))


def due_on(schedule: Iterable[ScheduledRelease], day: date) -> list[ScheduledRelease]:
    return [e for e in schedule if e.status == "scheduled" and e.day == day]


def next_after(schedule: Iterable[ScheduledRelease], moment: datetime,
               kind: str | None = None) -> ScheduledRelease | None:
    coming = [e for e in schedule if e.status == "scheduled" and e.day is not None and
              (kind is None or e.kind == kind) and (m := e.moment()) is not None and m >= moment]
    return min(coming, key=lambda e: e.moment() or moment, default=None)


def to_toml(schedule: Iterable[ScheduledRelease]) -> str:
    header = ("# Release days of the CPI, the Employment Situation, PCE and GDP (US Eastern),\n"
              "# read from BLS's and BEA's pages by `fedalert releases refresh`.\n\n")
    return header + "\n".join(entry.as_toml() for entry in schedule)


def from_toml(text: str) -> list[ScheduledRelease]:
    data = tomllib.loads(text)
    entries = []
    for row in data.get("release", []):
        entries.append(ScheduledRelease(
            kind=row["kind"], period=row.get("period"), day=row.get("day"),
            at=time.fromisoformat(row.get("at", "08:30")),
            status=row.get("status", "scheduled"), source=row.get("source", "")))
    return entries


def packaged() -> list[ScheduledRelease]:
    """The schedule shipped with fedalert (what the sources said when it was built)."""
    text = resources.files("bot.topics.macro").joinpath("schedule.toml").read_text("utf-8")
    return from_toml(text)


__all__ = ["ScheduledRelease", "due_on", "from_toml", "merge", "next_after", "packaged",
           "parse_schedule", "to_toml"]
