"""Crossing detection for price levels, and percent-move alerts.

On each composite update, one range query per partition between the previous and the
current price finds every crossed level (never a scan). A crossing becomes an alert only
after it is confirmed: the price is still past the level on a reading at least
``confirm_seconds`` after the one that first showed it, so a one-second poke does not
fire. The claim of a crossing is one Lua script per level, atomic, so it fires once
however many instances look. Levels in ``repeat`` mode re-arm after the price is back
beyond the band and the cooldown is over. After a data gap (restart, feeds down), the
first reading that shows a level on its other side fires at once, marked late.
"""

from __future__ import annotations

import logging
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from bot.domain.chats import ChatRef
from bot.store.registry import CrossedLevel, Registry
from bot.store.state import StateStore
from bot.topics.btc.composite import CompositePrice
from bot.topics.btc.events import PriceCrossing, PriceMove

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EngineRules:
    confirm_seconds: float = 3.0
    rearm_band_pct: float = 0.5
    cooldown_minutes: float = 15.0
    gap_seconds: float = 60.0


@dataclass
class Pending:
    level: CrossedLevel
    crossed_to: str  # above | below
    first_at: datetime


@dataclass(frozen=True)
class Firing:
    """Chats whose level was crossed, grouped as one event."""

    event: PriceCrossing
    chats: tuple[ChatRef, ...]


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class ThresholdEngine:
    def __init__(self, state: StateStore, registry: Registry,
                 rules: EngineRules = EngineRules()) -> None:
        self.state = state
        self.registry = registry
        self.rules = rules
        self.pending: dict[tuple[ChatRef, int], Pending] = {}
        self.last_price: Decimal | None = None
        self.last_at: datetime | None = None
        self._loaded = False
        self._saved_at: datetime | None = None

    # Persistence of the last reading (for gap detection across restarts) -----------
    async def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        data = await self.state.get_json("btc")
        if data:
            self.last_price = Decimal(data["price"])
            self.last_at = datetime.fromisoformat(data["at"])

    async def _save(self, now: datetime, force: bool = False) -> None:
        if not force and self._saved_at and (now - self._saved_at).total_seconds() < 5:
            return
        self._saved_at = now
        await self.state.set_json("btc", {"price": str(self.last_price), "at": now.isoformat()})

    # The update ----------------------------------------------------------------------
    async def on_price(self, composite: CompositePrice) -> list[Firing]:
        await self._load()
        now, price = composite.at, composite.price
        previous, previous_at = self.last_price, self.last_at
        self.last_price, self.last_at = price, now
        firings: list[Firing] = []
        if previous is None or previous_at is None:
            await self._save(now, force=True)
            return firings
        gap = (now - previous_at).total_seconds() > self.rules.gap_seconds
        if not self.pending and not await self.registry.has_levels():
            await self._save(now, force=gap)  # nobody has a level: no query per tick
            return firings
        crossed = await self.registry.crossed_levels(previous, price)
        to = "below" if price < previous else "above"
        claimed: dict[tuple[str, Decimal, datetime, bool], list[ChatRef]] = defaultdict(list)
        if gap:
            self.pending.clear()
            for level, won in zip(crossed, await self.registry.claim_levels(
                    crossed, to, _ms(now)), strict=True):
                if won:
                    claimed[(to, level.level, now, True)].append(level.chat)
        else:
            for level in crossed:
                key = (level.chat, level.threshold_id)
                self.pending.setdefault(key, Pending(level, to, now))
        confirmed: dict[str, list[Pending]] = defaultdict(list)
        for key, item in list(self.pending.items()):
            beyond = price <= item.level.level if item.crossed_to == "below" else \
                price >= item.level.level
            if not beyond:
                del self.pending[key]  # back on the old side: a poke, not a crossing
                continue
            if (now - item.first_at).total_seconds() >= self.rules.confirm_seconds:
                del self.pending[key]
                confirmed[item.crossed_to].append(item)
        for crossed_to, items in confirmed.items():  # claimed in batches, not one by one
            results = await self.registry.claim_levels([i.level for i in items], crossed_to,
                                                       _ms(now))
            for item, won in zip(items, results, strict=True):
                if won:
                    claimed[(item.crossed_to, item.level.level, item.first_at, False)].append(
                        item.level.chat)
        for (direction, level_price, first_at, late), chats in claimed.items():
            event = PriceCrossing(
                occurred_at=now, late=late, direction=direction,
                level=level_price, price=price, sources=composite.sources, quote=composite.quote,
                crossing_id=first_at.strftime("%Y%m%dT%H%M%S"),
                gap_started=previous_at if late else None)
            firings.append(Firing(event, tuple(chats)))
        await self._rearm(price, now)
        await self._save(now, force=bool(firings) or gap)
        return firings

    async def _rearm(self, price: Decimal, now: datetime) -> int:
        """Re-arm disarmed levels the price has moved away from (range queries only)."""
        band = Decimal(str(self.rules.rearm_band_pct)) / 100
        return await self.registry.rearm_levels(
            price, band, _ms(now), int(self.rules.cooldown_minutes * 60_000))


# Percent moves ------------------------------------------------------------------------
@dataclass
class MoveRules:
    move_pct: float = 5.0
    window_minutes: int = 60
    band_pct: float = 0.5
    cooldown_minutes: float = 15.0


@dataclass
class MoveEngine:
    """±N % within a window, measured against the composite price one window ago."""

    rules: MoveRules = field(default_factory=MoveRules)
    samples: deque[tuple[datetime, Decimal]] = field(default_factory=deque)
    armed: dict[str, bool] = field(default_factory=lambda: {"up": True, "down": True})
    fired_at: dict[str, datetime] = field(default_factory=dict)

    def reference(self, now: datetime) -> tuple[datetime, Decimal] | None:
        """The sample closest to (at or before) one window ago, if the history reaches it."""
        target = now - timedelta(minutes=self.rules.window_minutes)
        best = None
        for at, price in self.samples:
            if at <= target:
                best = (at, price)
            else:
                break
        return best

    def on_price(self, composite: CompositePrice) -> PriceMove | None:
        now, price = composite.at, composite.price
        self.samples.append((now, price))
        horizon = now - timedelta(minutes=self.rules.window_minutes * 2)
        while self.samples and self.samples[0][0] < horizon:
            self.samples.popleft()
        reference = self.reference(now)
        if reference is None:
            return None
        ref_at, ref_price = reference
        change = float((price - ref_price) / ref_price * 100)
        cooldown = timedelta(minutes=self.rules.cooldown_minutes)
        for direction, sign in (("up", 1), ("down", -1)):
            moved = change * sign
            last = self.fired_at.get(direction)
            if not self.armed[direction] and moved < self.rules.move_pct - self.rules.band_pct \
                    and (last is None or now - last >= cooldown):
                self.armed[direction] = True
            if self.armed[direction] and moved >= self.rules.move_pct:
                self.armed[direction] = False
                self.fired_at[direction] = now
                return PriceMove(occurred_at=now, change_pct=round(change, 2),
                                 window_minutes=self.rules.window_minutes,
                                 reference_price=ref_price, reference_at=ref_at, price=price,
                                 sources=composite.sources, quote=composite.quote)
        return None
