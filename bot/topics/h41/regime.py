"""QT / QE / flat / RMP for each week: pure functions, no I/O.

The regime a reader is told is the program the FOMC announced and had put in force
(``bot.domain.programs``): ``regimes_of``. The securities trend below (``trend_regimes``)
is only a cross-check: a week where the trend plainly contradicts the program (QE by the
program, QT by the trend, or the other way) is logged, never alerted.

The trend is read from **securities held outright**, not from total assets: total
assets jump with emergency lending (+$297 billion in the week of 2023-03-15, during QT)
and repo operations, while securities move with purchases and runoff. MBS paydowns
settle in lumps once a month, so each series is first smoothed with a 4-week average;
the regime then follows the 13-week change of the smoothed series, with hysteresis
(entering a regime takes a stronger move than staying in it) so it does not flap.

QT is also required to show in Treasury holdings (runoff of maturing Treasuries), unless
the decline is unmistakable: in 2015-2017 the Fed reinvested everything and securities
dipped only while MBS paydowns waited for reinvestment, with Treasuries flat.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.domain.programs import ProgramHistory, Regime
from bot.topics.h41.parse import H41Week

SMOOTHING_WEEKS = 4
WINDOW_WEEKS = 13
QE_ENTER, QE_STAY = 0.010, 0.004  # +1.0 % over 13 weeks to enter, +0.4 % to stay
QT_ENTER, QT_STAY = -0.0035, -0.0015
QT_TREASURY = -0.0010  # Treasuries must fall too...
QT_UNMISTAKABLE = -0.0100  # ...unless securities fall 1 % in 13 weeks


@dataclass(frozen=True, slots=True)
class WeekPoint:
    week_ending: date
    securities: int
    treasuries: int | None = None


def _smoothed(values: Sequence[float]) -> list[float | None]:
    out: list[float | None] = []
    for i in range(len(values)):
        if i + 1 < SMOOTHING_WEEKS:
            out.append(None)
        else:
            window = values[i + 1 - SMOOTHING_WEEKS: i + 1]
            out.append(sum(window) / SMOOTHING_WEEKS)
    return out


def _change(smoothed: list[float | None], i: int) -> float | None:
    j = i - WINDOW_WEEKS
    if j < 0 or smoothed[i] is None or smoothed[j] is None or not smoothed[j]:
        return None
    return (smoothed[i] - smoothed[j]) / smoothed[j]  # type: ignore[operator]


def classify(points: Sequence[WeekPoint], initial: Regime = "flat") -> list[Regime]:
    """The regime of every week, using only that week and the ones before it."""
    securities = _smoothed([p.securities for p in points])
    treasuries = _smoothed([p.treasuries if p.treasuries is not None else p.securities
                            for p in points])
    regime: Regime = initial
    regimes: list[Regime] = []
    for i in range(len(points)):
        sec = _change(securities, i)
        tr = _change(treasuries, i)
        if sec is None:
            regimes.append(regime)
            continue
        treasury_falls = tr is not None and tr <= QT_TREASURY
        enters_qt = sec <= QT_ENTER and (treasury_falls or sec <= QT_UNMISTAKABLE)
        if regime == "QE":
            if sec < QE_STAY:
                regime = "QT" if enters_qt else "flat"
        elif regime == "QT":
            if sec > QT_STAY:
                regime = "QE" if sec >= QE_ENTER else "flat"
        else:
            if sec >= QE_ENTER:
                regime = "QE"
            elif enters_qt:
                regime = "QT"
        regimes.append(regime)
    return regimes


def change_over(values: Sequence[int], weeks: int) -> int | None:
    """Latest value minus the value ``weeks`` earlier (None if the history is shorter)."""
    if len(values) <= weeks:
        return None
    return values[-1] - values[-1 - weeks]


def regimes_of(history: Sequence[H41Week], programs: ProgramHistory | None = None
               ) -> list[Regime]:
    """The regime of each week of a series of releases, as the FOMC announced it (weeks
    without securities are left out)."""
    programs = programs or ProgramHistory.packaged()
    return [programs.regime_on(w.week_ending) for w in history if w.securities is not None]


def trend_regimes(history: Sequence[H41Week]) -> list[Regime]:
    """What the securities trend alone suggests for each week (a cross-check)."""
    points = [WeekPoint(w.week_ending, w.securities or 0, w.treasuries) for w in history
              if w.securities is not None]
    return classify(points)


def contradicts(program: Regime, trend: Regime, since: date | None, day: date) -> bool:
    """The trend plainly says the opposite of a program in force long enough to show in it
    (RMP and flat never do: bill purchases grow holdings, reinvestment lets them drift)."""
    settled = since is None or (day - since).days >= 7 * (WINDOW_WEEKS + SMOOTHING_WEEKS)
    return settled and {program, trend} == {"QE", "QT"}
