"""PNG charts (matplotlib, Agg backend) with labels in the chat's language.

Chinese labels need a CJK font. A full Traditional Chinese system font is used when one is
installed; otherwise the bundled subset of Noto Sans CJK TC (SIL OFL 1.1,
``bot/data/fonts``), which holds every character of the zh-Hant catalog, so a plain
``pip install`` renders real glyphs, never missing-glyph boxes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager
from matplotlib import pyplot as plt
from matplotlib.dates import AutoDateLocator, DateFormatter

from bot.domain.chats import Language
from bot.domain.events import Regime
from bot.render.formatting import Formatter

# Traditional Chinese faces only: matplotlib sees the first face of a .ttc collection (the
# Japanese one for Noto's), whose glyph shapes differ; the bundled subset is the TC face.
SYSTEM_CJK_FAMILIES = ("Noto Sans CJK TC", "Noto Sans TC", "Source Han Sans TC",
                       "Microsoft JhengHei", "PingFang TC", "Noto Sans CJK HK")
BUNDLED_FONT = "NotoSansCJKtc-fedalert-subset.otf"
REGIME_COLORS = {"QT": "#f4c7c3", "QE": "#c8e6c9"}
LINE_COLORS = ("#1f4e79", "#c0504d")


@cache
def font_family() -> str:
    """The family used for labels: a Traditional Chinese system font, else the bundled one."""
    available = {entry.name for entry in font_manager.fontManager.ttflist}
    for family in SYSTEM_CJK_FAMILIES:
        if family in available:
            return family
    bundled = Path(str(resources.files("bot.data").joinpath("fonts", BUNDLED_FONT)))
    font_manager.fontManager.addfont(str(bundled))
    return font_manager.FontProperties(fname=str(bundled)).get_name()


def resolved_font() -> tuple[str, int]:
    """(file, face index) matplotlib draws the labels with: to check glyph coverage."""
    family = font_family()
    entries = [e for e in font_manager.fontManager.ttflist if e.name == family]
    entries.sort(key=lambda e: abs(_weight(e.weight) - 400))
    return entries[0].fname, getattr(entries[0], "index", 0)


def _weight(value: object) -> int:
    if isinstance(value, int):
        return value
    return font_manager.weight_dict.get(str(value), 400)


def _style() -> None:
    plt.rcParams["font.family"] = [font_family(), "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False


def _png(fig: plt.Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def balance_sheet_chart(
    weeks: Sequence[date],
    total_assets: Sequence[int],
    securities: Sequence[int],
    regimes: Sequence[Regime],
    language: Language,
) -> bytes:
    """Total assets and securities held (trillions), QT/QE phases shaded, latest labelled."""
    f = Formatter(language.singles[0])
    _style()
    fig, ax = plt.subplots(figsize=(8, 4.2))
    trillions = [v / 1_000_000 for v in total_assets]
    held = [v / 1_000_000 for v in securities]
    ax.plot(weeks, trillions, color=LINE_COLORS[0], linewidth=2, label=f._("Total assets"))
    ax.plot(weeks, held, color=LINE_COLORS[1], linewidth=1.6,
            label=f._("Securities held outright"))
    _shade(ax, weeks, regimes, f)
    ax.annotate(f.usd_millions(total_assets[-1]), xy=(weeks[-1], trillions[-1]),
                xytext=(-6, 10), textcoords="offset points", ha="right",
                color=LINE_COLORS[0], fontsize=10, fontweight="bold")
    ax.set_title(f._("Fed balance sheet (H.4.1)"), fontsize=13)
    ax.set_ylabel(f._("Trillions of US dollars"))
    ax.xaxis.set_major_locator(AutoDateLocator(maxticks=8))
    ax.xaxis.set_major_formatter(DateFormatter("%Y-%m"))
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper right", fontsize=9, frameon=False)
    fig.text(0.99, 0.01, f._("Source: Federal Reserve H.4.1, Wednesday levels"),
             ha="right", fontsize=7, color="#666666")
    return _png(fig)


def _shade(ax: plt.Axes, weeks: Sequence[date], regimes: Sequence[Regime],
           f: Formatter) -> None:
    labels = {"QT": f._("quantitative tightening (QT)"),
              "QE": f._("quantitative easing (QE)")}
    start = 0
    used: set[str] = set()
    for i in range(1, len(weeks) + 1):
        if i < len(weeks) and regimes[i] == regimes[start]:
            continue
        regime = regimes[start]
        if regime in REGIME_COLORS:
            label = labels[regime] if regime not in used else None
            used.add(regime)
            ax.axvspan(weeks[start], weeks[i - 1], color=REGIME_COLORS[regime], alpha=0.6,
                       label=label, linewidth=0)
        start = i


def odds_chart(buckets: Sequence[tuple[str, float]], title: str, language: Language) -> bytes:
    """A bar per target range, like CME's, with the probability over each bar."""
    f = Formatter(language.singles[0])
    _style()
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
    return _png(fig)
