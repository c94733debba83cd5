"""The BTC topic: a composite price from several exchanges, level crossings and moves."""

from __future__ import annotations

from bot.domain.topics import TopicInfo
from bot.render.formatting import Formatter
from bot.render.i18n import N_
from bot.topics.base import StatusView, TopicSpec
from bot.topics.btc import render
from bot.topics.btc.brief import levels_part
from bot.topics.btc.commands import COMMANDS
from bot.topics.btc.demo import DEMO_HANDLERS
from bot.topics.btc.events import PriceCrossing, PriceMove
from bot.topics.btc.snapshot import PRICE_SNAPSHOT, PriceSnapshot
from bot.topics.btc.watcher import PriceWatcher, check


def status(f: Formatter, view: StatusView) -> str:
    btc = view.snapshots.get(PRICE_SNAPSHOT)
    if not isinstance(btc, PriceSnapshot):
        return f._("Bitcoin: no price yet")
    if not btc.sources:
        return f._("Bitcoin: {price}").format(price=f.usd(btc.price))
    return f._("Bitcoin: {price} ({sources})").format(
        price=f.usd(btc.price), sources=f._(", ").join(btc.sources))


TOPIC = TopicSpec(
    info=TopicInfo("btc", N_("Bitcoin price alerts"), aliases=("bitcoin", "比特幣")),
    events=(PriceCrossing, PriceMove),
    renderers={"price_crossing": (render.render_crossing, render.style),
               "price_move": (render.render_move, render.style)},
    enabled=lambda settings: settings.sources.btc,
    watcher=PriceWatcher,
    check=check,
    demo=DEMO_HANDLERS,
    snapshots={PRICE_SNAPSHOT: PriceSnapshot},
    status=status,
    commands=COMMANDS,
    brief_part=levels_part,
)
