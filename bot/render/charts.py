"""PNG charts (matplotlib, Agg backend) with labels in the chat's language.

Chinese labels need a CJK font. A full Traditional Chinese system font is used when one is
installed; otherwise the bundled subset of Noto Sans CJK TC (SIL OFL 1.1,
``bot/data/fonts``), which holds every character of the zh-Hant catalog, so a plain
``pip install`` renders real glyphs, never missing-glyph boxes.
"""

from __future__ import annotations

import io
from functools import cache
from importlib import resources
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager
from matplotlib import pyplot as plt

# Traditional Chinese faces only: matplotlib sees the first face of a .ttc collection (the
# Japanese one for Noto's), whose glyph shapes differ; the bundled subset is the TC face.
SYSTEM_CJK_FAMILIES = ("Noto Sans CJK TC", "Noto Sans TC", "Source Han Sans TC",
                       "Microsoft JhengHei", "PingFang TC", "Noto Sans CJK HK")
BUNDLED_FONT = "NotoSansCJKtc-fedalert-subset.otf"
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


def style() -> None:
    plt.rcParams["font.family"] = [font_family(), "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False


def png(fig: plt.Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()
