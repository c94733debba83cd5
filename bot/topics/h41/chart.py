"""The weekly balance-sheet chart: total assets and securities, QT/QE/RMP phases shaded."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from matplotlib import pyplot as plt
from matplotlib.dates import AutoDateLocator, DateFormatter

from bot.domain.chats import Language
from bot.render.charts import LINE_COLORS, png, style
from bot.render.formatting import Formatter
from bot.topics.h41.events import Regime

NET_LIQUIDITY_COLOR = "#2e7d32"
REGIME_COLORS = {"QT": "#f4c7c3", "QE": "#c8e6c9", "RMP": "#dcedc8"}


def balance_sheet_chart(
    weeks: Sequence[date],
    total_assets: Sequence[int],
    securities: Sequence[int],
    regimes: Sequence[Regime],
    language: Language,
    net_liquidity: Sequence[int | None] | None = None,
) -> bytes:
    """Total assets and securities held (trillions), QT/QE phases shaded, latest labelled;
    below them net liquidity (total assets − TGA − ON RRP) where the history has it."""
    f = Formatter(language.singles[0])
    style()
    known = [(w, v) for w, v in zip(weeks, net_liquidity or (), strict=False) if v is not None]
    if len(known) >= 2:
        fig, (ax, low) = plt.subplots(2, 1, figsize=(8, 5.6), sharex=True,
                                      gridspec_kw={"height_ratios": [2, 1]})
        low.plot([w for w, _ in known], [v / 1_000_000 for _, v in known],
                 color=NET_LIQUIDITY_COLOR, linewidth=1.6)
        low.set_ylabel(f._("Net liquidity (trillions)"), fontsize=9)
        low.grid(axis="y", alpha=0.3)
    else:
        fig, ax = plt.subplots(figsize=(8, 4.2))
    trillions = [v / 1_000_000 for v in total_assets]
    held = [v / 1_000_000 for v in securities]
    # matplotlib's date converter takes dates; its stubs only say float
    ax.plot(weeks, trillions, color=LINE_COLORS[0], linewidth=2,
            label=f._("Total assets"))
    ax.plot(weeks, held, color=LINE_COLORS[1], linewidth=1.6,
            label=f._("Securities held outright"))
    _shade(ax, weeks, regimes, f)
    ax.annotate(f.usd_millions(total_assets[-1]), xy=(weeks[-1], trillions[-1]),
                xytext=(-6, 10), textcoords="offset points", ha="right",
                color=LINE_COLORS[0], fontsize=11)
    ax.set_title(f._("Fed balance sheet (H.4.1)"), fontsize=13)
    ax.set_ylabel(f._("Trillions of US dollars"))
    ax.xaxis.set_major_locator(AutoDateLocator(maxticks=8))
    ax.xaxis.set_major_formatter(DateFormatter("%Y-%m"))
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper right", fontsize=9, frameon=False)
    fig.text(0.99, 0.01, f._("Source: Federal Reserve H.4.1, Wednesday levels"),
             ha="right", fontsize=7, color="#666666")
    return png(fig)


def _shade(ax: plt.Axes, weeks: Sequence[date], regimes: Sequence[Regime],
           f: Formatter) -> None:
    labels = {"QT": f._("quantitative tightening (QT)"),
              "QE": f._("quantitative easing (QE)"),
              "RMP": f._("reserve-management purchases (not QE)")}
    start = 0
    used: set[str] = set()
    for i in range(1, len(weeks) + 1):
        if i < len(weeks) and regimes[i] == regimes[start]:
            continue
        regime = regimes[start]
        if regime in REGIME_COLORS:
            label = labels[regime] if regime not in used else None
            used.add(regime)
            ax.axvspan(weeks[start], weeks[i - 1],  # type: ignore[arg-type]
                       color=REGIME_COLORS[regime], alpha=0.6, label=label, linewidth=0)
        start = i
