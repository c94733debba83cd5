"""FedWatch-style rate probabilities from 30-day fed funds futures: pure math, no I/O.

CME's probability-tree method (as CME's FedWatch methodology describes it):
1. a contract month m implies an average rate ``A(m) = 100 − P(m)``;
2. a month with a decision day d splits into ``N`` days at the start rate S and ``M = D − N``
   at the end rate E, ``A = (N·S + M·E) / D``; ``N = d`` (the decision day still at the old
   rate: CME's current output, ``cme``) or ``N = d − 1`` (CME's 2015 paper and pyfedwatch,
   ``legacy``);
3. a month without a meeting prices one flat rate: an anchor for the neighbours' E and S,
   used only from the as-of month on and only inside the published schedule;
4. solve backward (E known → S) first, then forward (S known → E) for what is left;
5. each meeting moves ``x = (E − S) / 0.25`` steps: ``floor(x)`` with 1 − f, one more
   with f; meetings chain by convolution, as the tree does.
Only differences of implied rates enter, so the EFFR-to-range basis cancels.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

DayCount = Literal["cme", "legacy"]
Month = tuple[int, int]  # (year, month)
STEP = 0.25
PRICE_RANGE = (90.0, 101.0)
MONTH_CODES = "FGHJKMNQUVXZ"


class OddsInputError(ValueError):
    """Settlements or calendar that cannot give odds; the message names what is wrong."""


def month_of(day: date) -> Month:
    return day.year, day.month


def next_month(month: Month) -> Month:
    year, mon = month
    return (year + 1, 1) if mon == 12 else (year, mon + 1)


def previous_month(month: Month) -> Month:
    year, mon = month
    return (year - 1, 12) if mon == 1 else (year, mon - 1)


def month_label(month: Month) -> str:
    return f"{month[0]:04d}-{month[1]:02d}"


def contract_code(month: Month) -> str:
    """ZQ + month letter + year: ``ZQK25`` for May 2025."""
    return f"ZQ{MONTH_CODES[month[1] - 1]}{month[0] % 100:02d}"


def bucket_label(low: float, high: float) -> str:
    """Basis points as CME writes them: ``425-450``, ``0-25``."""
    return f"{round(low * 100)}-{round(high * 100)}"


@dataclass(frozen=True)
class MeetingOdds:
    decision_day: date
    probabilities: dict[str, float]  # bucket label → probability (unrounded)
    cut: float
    hold: float
    hike: float
    expected_rate: float  # probability-weighted midpoint of the range after the meeting
    implied_rate: float  # futures-implied average rate after the meeting (E)
    start_rate: float  # futures-implied rate before the meeting (S)

    @property
    def distribution(self) -> list[tuple[str, float]]:
        return sorted(self.probabilities.items(), key=lambda kv: int(kv[0].split("-")[0]))


@dataclass(frozen=True)
class OddsTable:
    as_of: date
    current_range: tuple[float, float]
    day_count: DayCount
    meetings: tuple[MeetingOdds, ...]
    notes: tuple[str, ...] = field(default=())

    def as_json(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat(),
            "meetings": [{"date": m.decision_day.isoformat(), "probabilities": m.probabilities}
                         for m in self.meetings],
        }

    def summary_json(self) -> dict[str, object]:
        """The table as stored for commands and charts (with derived figures)."""
        return {
            "as_of": self.as_of.isoformat(),
            "current_range": [str(self.current_range[0]), str(self.current_range[1])],
            "day_count": self.day_count,
            "meetings": [{"date": m.decision_day.isoformat(), "probabilities": m.probabilities,
                          "cut": m.cut, "hold": m.hold, "hike": m.hike,
                          "expected_rate": m.expected_rate, "implied_rate": m.implied_rate}
                         for m in self.meetings],
        }


def _split(x: float) -> dict[int, float]:
    x = round(x, 9)
    k = math.floor(x)
    f = min(1.0, max(0.0, x - k))
    out = {k: 1.0 - f}
    if f > 0:
        out[k + 1] = f
    return out


def _convolve(current: dict[int, float], step: dict[int, float]) -> dict[int, float]:
    out: dict[int, float] = {}
    for n, p in current.items():
        for k, q in step.items():
            out[n + k] = out.get(n + k, 0.0) + p * q
    return out


MIN_FORWARD_DAYS = 10
"""A meeting with no later anchor is priced forward only if this many days of its month
follow the decision (noise × days/after stays within 3×)."""


def compute_odds(
    settlements: Mapping[Month, float | Decimal],
    decision_days: Sequence[date],
    as_of: date,
    current_range: tuple[float | Decimal, float | Decimal],
    day_count: DayCount = "cme",
) -> OddsTable:
    """Probabilities of each target range after every meeting the futures reach."""
    low, high = float(current_range[0]), float(current_range[1])
    if not 0 <= low < high or round(high - low, 6) != STEP:
        raise OddsInputError(f"target range {low}-{high} is not a 25 bp range")
    if day_count not in ("cme", "legacy"):
        raise OddsInputError(f"day count must be cme or legacy, not {day_count!r}")
    meetings: dict[Month, date] = {}
    for day in sorted(set(decision_days)):
        month = month_of(day)
        if month in meetings:
            raise OddsInputError(f"two decision days in {month_label(month)}: "
                                 f"{meetings[month]} and {day} (not supported)")
        meetings[month] = day
    if not meetings:
        raise OddsInputError("the calendar has no decision days")
    horizon = max(meetings)
    upcoming = [d for d in sorted(meetings.values()) if d > as_of]
    if not upcoming:
        raise OddsInputError(f"no FOMC meeting after {as_of} in the calendar (it ends "
                             f"{max(meetings.values())}); run `fedalert calendar refresh`")
    start = month_of(as_of)
    prices = {m: float(p) for m, p in settlements.items() if m >= start}
    if not prices:
        raise OddsInputError(f"no settlement for {month_label(start)} or later")
    for month, price in sorted(prices.items()):
        if not (PRICE_RANGE[0] <= price <= PRICE_RANGE[1]) or math.isnan(price):
            raise OddsInputError(f"settlement {price} for {month_label(month)} "
                                 f"({contract_code(month)}) is outside 90-101")
    months = sorted(prices)
    cursor = months[0]
    while cursor < months[-1]:
        cursor = next_month(cursor)
        if cursor not in prices:
            raise OddsInputError(f"missing settlement for {month_label(cursor)} "
                                 f"({contract_code(cursor)})")

    if month_of(upcoming[0]) not in prices:
        raise OddsInputError(f"missing settlement for {month_label(month_of(upcoming[0]))} "
                             f"({contract_code(month_of(upcoming[0]))}), the month of the "
                             f"{upcoming[0]} meeting")

    average = {m: 100.0 - p for m, p in prices.items()}

    def is_anchor(month: Month) -> bool:
        return month in average and month not in meetings and month < horizon

    def split_days(month: Month) -> tuple[int, int, int]:
        days = calendar.monthrange(*month)[1]
        before = meetings[month].day if day_count == "cme" else meetings[month].day - 1
        return days, before, days - before

    start_rate: dict[Month, float] = {}
    end_rate: dict[Month, float] = {}
    meeting_months = [m for m in months if m in meetings]
    for month in months:
        if is_anchor(month):
            if previous_month(month) in meetings:
                end_rate[previous_month(month)] = average[month]
            if next_month(month) in meetings:
                start_rate[next_month(month)] = average[month]
    for month in meeting_months:  # a decision on the last day: the month is all old rate
        days, before, after = split_days(month)
        if after == 0 and month not in start_rate:
            start_rate[month] = average[month]

    changed = True
    while changed:
        changed = False
        for month in reversed(meeting_months):  # backward pass first
            days, before, after = split_days(month)
            if month in end_rate and month not in start_rate and before > 0:
                start_rate[month] = (days * average[month] - after * end_rate[month]) / before
                changed = True
            prev = previous_month(month)
            if month in start_rate and prev in meetings and prev not in end_rate:
                end_rate[prev] = start_rate[month]
                changed = True
        if changed:
            continue
        for month in meeting_months:  # forward pass for what the backward pass left
            days, before, after = split_days(month)
            # solving forward divides the contract's noise by after/days: with a few days
            # left in the month, 0.005 in price moves the odds by 10 points or more, so
            # such a meeting is left out rather than priced (research note, edge cases)
            if month in start_rate and month not in end_rate and after >= MIN_FORWARD_DAYS:
                end_rate[month] = (days * average[month] - before * start_rate[month]) / after
                changed = True
                following = next_month(month)
                if following in meetings and following not in start_rate:
                    start_rate[following] = end_rate[month]
                break

    results: list[MeetingOdds] = []
    notes: list[str] = []
    chain: dict[int, float] = {0: 1.0}
    zero_bucket = round(-low / STEP)
    mid = (low + high) / 2
    for day in upcoming:
        month = month_of(day)
        if month not in start_rate or month not in end_rate:
            if not results:
                raise OddsInputError(
                    f"the {day} meeting cannot be priced: settlements end at "
                    f"{month_label(months[-1])}; add {month_label(next_month(month))} "
                    f"({contract_code(next_month(month))})")
            notes.append(f"stopped before the {day} meeting: no later contract anchors it "
                         f"(or too few days follow it in its month to solve it forward)")
            break
        chain = _convolve(chain, _split((end_rate[month] - start_rate[month]) / STEP))
        folded: dict[int, float] = {}
        for n, p in chain.items():  # the zero bound: no range below 0-25
            key = max(n, zero_bucket)
            folded[key] = folded.get(key, 0.0) + p
        probabilities = {bucket_label(low + STEP * n, high + STEP * n): p
                         for n, p in sorted(folded.items()) if p > 0}
        results.append(MeetingOdds(
            decision_day=day, probabilities=probabilities,
            cut=sum(p for n, p in folded.items() if n < 0),
            hold=folded.get(0, 0.0),
            hike=sum(p for n, p in folded.items() if n > 0),
            expected_rate=sum(p * (mid + STEP * n) for n, p in folded.items()),
            implied_rate=end_rate[month], start_rate=start_rate[month]))
    return OddsTable(as_of, (low, high), day_count, tuple(results), tuple(notes))


# Inputs users give --------------------------------------------------------------------
def parse_month(text: str) -> Month:
    """``2025-05``, ``2025-5``, ``MAY 25``, ``May 2025``, ``ZQK25`` → (2025, 5)."""
    value = text.strip().upper().replace("/", "-")
    names = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    try:
        if value.startswith("ZQ") and len(value) == 5:
            return 2000 + int(value[3:]), MONTH_CODES.index(value[2]) + 1
        if "-" in value and value[:4].isdigit():
            year_text, month_text = value.split("-")[:2]
            result = int(year_text), int(month_text)
        else:
            parts = value.replace(",", " ").split()
            month_number = names.index(parts[0][:3]) + 1
            year_number = int(parts[1])
            result = (year_number + 2000 if year_number < 100 else year_number), month_number
    except (ValueError, IndexError):
        raise OddsInputError(f"not a contract month: {text!r} (use YYYY-MM)") from None
    if not 1 <= result[1] <= 12:
        raise OddsInputError(f"not a contract month: {text!r} (use YYYY-MM)")
    return result


def parse_settlements_text(text: str) -> dict[Month, float]:
    """A JSON object ``{"2025-05": 95.725, ...}`` or CSV ``month,price`` lines."""
    import csv
    import io
    import json

    stripped = text.strip()
    rows: list[tuple[str, object]] = []
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise OddsInputError(f"settlements JSON: {exc}") from None
        rows = list(data.items())
    else:
        for row in csv.reader(io.StringIO(stripped)):
            if not row or not row[0].strip() or row[0].strip().startswith("#"):
                continue
            if row[0].strip().lower() in ("month", "contract") or len(row) < 2:
                continue
            rows.append((row[0], row[1]))
    out: dict[Month, float] = {}
    for key, value in rows:
        month = parse_month(str(key))
        try:
            price = float(str(value).strip())
        except ValueError:
            raise OddsInputError(f"settlement for {key} is not a number: {value!r}") from None
        if month in out:
            raise OddsInputError(f"{month_label(month)} is given twice")
        out[month] = price
    if not out:
        raise OddsInputError("no settlements in the file")
    return out
