"""The dot plot: each participant's projected midpoint for each year, CJK labels."""

from __future__ import annotations

from datetime import date

from matplotlib import pyplot as plt

from bot.domain.chats import Language
from bot.render.charts import LINE_COLORS, png, style
from bot.render.formatting import Formatter
from bot.topics.fomc.projections import LONGER_RUN, DotPlot


def dot_plot_chart(dots: DotPlot, day: date, language: Language) -> bytes:
    f = Formatter(language)
    style()
    fig, ax = plt.subplots(figsize=(8, 4.6))
    labels = [f._("longer run") if c == LONGER_RUN else c for c in dots.columns]
    for index, _column in enumerate(dots.columns):
        for midpoint, counts in dots.counts.items():
            n = counts[index] if index < len(counts) else 0
            if not n:
                continue
            xs = [index + (k - (n - 1) / 2) * 0.06 for k in range(n)]
            ax.scatter(xs, [float(midpoint)] * n, s=28, color=LINE_COLORS[0], zorder=3)
    ax.set_xticks(range(len(labels)), labels)
    ax.set_ylabel(f._("Midpoint of the target range (percent)"))
    ax.set_title(f._("FOMC dot plot, {day}").format(day=f.date(day)), fontsize=13)
    ax.grid(axis="y", alpha=0.3)
    fig.text(0.99, 0.01, f._("Source: Federal Reserve, Summary of Economic Projections"),
             ha="right", fontsize=7, color="#666666")
    return png(fig)


def dot_plot_charts(dots: DotPlot, chart: str, day: date) -> dict[str, bytes]:
    return {f"{chart}.{language.value}.png": dot_plot_chart(dots, day, language)
            for language in Language.BOTH.singles}
