"""The odds chart: one bar per target range, like CME's FedWatch."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib import pyplot as plt

from bot.domain.chats import Language
from bot.render.charts import LINE_COLORS, png, style
from bot.render.formatting import Formatter


def odds_chart(buckets: Sequence[tuple[str, float]], title: str, language: Language) -> bytes:
    """A bar per target range, like CME's, with the probability over each bar."""
    f = Formatter(language.singles[0])
    style()
    fig, ax = plt.subplots(figsize=(7, 3.8))
    labels = [label for label, _ in buckets]
    values = [p * 100 for _, p in buckets]
    bars = ax.bar(labels, values, color=LINE_COLORS[0])
    for bar, value in zip(bars, values, strict=True):
        ax.text(bar.get_x() + bar.get_width() / 2, bar.get_height() + 1, f"{value:.1f}%",
                ha="center", fontsize=9)
    ax.set_ylim(0, max([*values, 10]) * 1.18)
    ax.set_ylabel(f._("Probability (%)"))
    ax.set_xlabel(f._("Target range (%)"))
    ax.set_title(title, fontsize=12)
    ax.grid(axis="y", alpha=0.3)
    fig.text(0.99, 0.01, f._("From 30-day fed funds futures, CME FedWatch method"),
             ha="right", fontsize=7, color="#666666")
    return png(fig)
