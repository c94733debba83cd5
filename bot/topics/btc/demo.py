"""Demo readings of exchange prices, replayed through the live evaluator."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from bot.topics.base import DemoContext, Publication
from bot.topics.btc.payloads import Tick
from bot.topics.btc.watcher import PriceEvaluator

QUOTES = {"Binance": "USDT", "OKX": "USDT", "Coinbase": "USD", "Kraken": "USD"}


async def handle_demo_ticks(reading: Mapping[str, Any], demo: DemoContext) -> list[Publication]:
    """``{"ticks": [{"at": ISO, "prices": {"Binance": 80950, ...}}, ...]}``, scenario time."""

    evaluator = demo.state.get("btc")
    if evaluator is None:
        # scenario readings are minutes apart, not seconds: only a long silence is a gap
        evaluator = demo.state["btc"] = PriceEvaluator(demo.topic, gap_seconds=6 * 3600)
    publications = []
    for row in reading["data"]["ticks"]:
        at = datetime.fromisoformat(row["at"])
        for source, price in row["prices"].items():
            evaluator.add(Tick(source, Decimal(str(price)), at, None, QUOTES.get(source, "USD")))
        firings, move = await evaluator.evaluate(at)
        publications += [Publication(f.event, chats=f.chats) for f in firings]
        if move is not None:
            publications.append(Publication(move))
    return publications


DEMO_HANDLERS = {"btc_ticks": handle_demo_ticks}
