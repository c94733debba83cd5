"""The BTC topic's line in each chat's morning brief: its nearest levels below and above
the composite price, and how far they are. Chats with the same nearest levels read the
same brief (``BriefPart.key``)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from bot.commands.core import BriefPart, BriefPartFor
from bot.domain.chats import Direction, Threshold
from bot.render.formatting import Formatter
from bot.store.snapshots import Snapshots
from bot.topics.btc.snapshot import PRICE_SNAPSHOT, PriceSnapshot


def nearest_levels(thresholds: Sequence[Threshold], price: Decimal | None
                   ) -> tuple[Decimal | None, Decimal | None]:
    """The highest level that fires below the price and the lowest that fires above it."""
    if price is None:
        return None, None
    below = [t.level for t in thresholds if t.level < price and
             t.direction in (Direction.BELOW, Direction.CROSS)]
    above = [t.level for t in thresholds if t.level > price and
             t.direction in (Direction.ABOVE, Direction.CROSS)]
    return (max(below) if below else None), (min(above) if above else None)


def levels_line(f: Formatter, levels: tuple[Decimal | None, Decimal | None],
                price: Decimal | None) -> str | None:
    below, above = levels
    if price is None or (below is None and above is None):
        return None
    parts = []
    if below is not None:
        parts.append(f._("below {level} (−{distance})").format(
            level=f.usd_level(below), distance=f.percent((price - below) / price)))
    if above is not None:
        parts.append(f._("above {level} (+{distance})").format(
            level=f.usd_level(above), distance=f.percent((above - price) / price)))
    return f._("Your nearest BTC levels: {levels}.").format(levels=f._(", ").join(parts))


async def levels_part(snapshots: Snapshots) -> BriefPartFor:
    """Reads the composite price once per round of briefs; then each chat's part."""
    snapshot = await snapshots.get_model(PRICE_SNAPSHOT, PriceSnapshot)
    price = snapshot.price if snapshot else None

    def part(thresholds: Sequence[Threshold]) -> BriefPart:
        below, above = levels = nearest_levels(thresholds, price)
        key = f"{below if below is not None else '-'}~{above if above is not None else '-'}"
        return BriefPart(key, lambda f: levels_line(f, levels, price))

    return part
