"""``/btc``: the composite price, its sources, and how many levels the chat has set."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from bot.commands.core import (
    CommandContext,
    CommandSpec,
    Invocation,
    Reply,
    chat_zone,
    localized,
)
from bot.domain.chats import Language
from bot.render.formatting import Formatter
from bot.render.i18n import N_


async def btc(ctx: CommandContext, inv: Invocation, args: list[str],
              language: Language) -> Reply:
    snapshot = await ctx.snapshots.get_json("btc")
    zone = await chat_zone(ctx, inv)
    registered = await ctx.registry.get_chat(inv.chat) is not None
    count = len(await ctx.registry.list_thresholds(inv.chat)) if registered else 0

    def compose(f: Formatter) -> str:
        if not snapshot or snapshot.get("price") is None:
            return f._("No Bitcoin price yet (the price feeds may be starting or degraded).")
        lines = [f._("Bitcoin composite price: {price}").format(
            price=f.usd(Decimal(str(snapshot["price"]))))]
        lines.append(f._("Sources: {sources}").format(
            sources=f._(", ").join(snapshot.get("sources", []))))
        if snapshot.get("at"):
            lines.append(f.local_moment(datetime.fromisoformat(snapshot["at"]), zone))
        lines.append(f._("This chat has {n} price alerts (/alerts).").format(n=count))
        return "\n".join(lines)

    return Reply(localized(language, compose), language=language)


COMMANDS = (CommandSpec("btc", N_("Bitcoin composite price"), handler=btc),)
