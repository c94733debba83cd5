"""When the weekly H.4.1 comes out: Thursday, or Friday when Thursday is a Fed holiday.

Of the Federal Reserve's holidays only Thanksgiving (the fourth Thursday of November) and
the fixed-date ones can fall on a Thursday: New Year's Day, Juneteenth, Independence Day,
Veterans Day and Christmas. The release then moves to Friday (Juneteenth 2025: Friday
June 20).
"""

from __future__ import annotations

from datetime import date, timedelta

FIXED = ((1, 1), (6, 19), (7, 4), (11, 11), (12, 25))


def thanksgiving(year: int) -> date:
    first = date(year, 11, 1)
    first_thursday = first + timedelta(days=(3 - first.weekday()) % 7)
    return first_thursday + timedelta(weeks=3)


JUNETEENTH_SINCE = 2021  # a federal holiday from 2021 on


def is_fed_holiday(day: date) -> bool:
    if (day.month, day.day) == (6, 19) and day.year < JUNETEENTH_SINCE:
        return False
    return (day.month, day.day) in FIXED or day == thanksgiving(day.year)


def h41_release_date(thursday: date) -> date:
    """The release day of the week whose Thursday is ``thursday``."""
    return thursday + timedelta(days=1) if is_fed_holiday(thursday) else thursday


def h41_release_after(week_ending: date) -> date:
    """The release of the week ending on ``week_ending`` (a Wednesday): the next day, or
    the Friday when that Thursday is a Fed holiday (Christmas 2025: Friday December 26)."""
    return h41_release_date(week_ending + timedelta(days=1))
