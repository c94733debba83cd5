"""``/odds``: the latest odds table for the coming meetings, with its chart."""

from __future__ import annotations

from bot.commands.core import CommandContext, CommandSpec, Invocation, Reply, localized
from bot.domain.chats import Language
from bot.render.i18n import N_, NP_
from bot.topics.odds.markets import MARKETS_SNAPSHOT, MarketsSnapshot
from bot.topics.odds.render import odds_table_text
from bot.topics.odds.snapshot import ODDS_SNAPSHOT, OddsSnapshot


async def odds(ctx: CommandContext, inv: Invocation, args: list[str],
               language: Language) -> Reply:
    table = await ctx.snapshots.get_model(ODDS_SNAPSHOT, OddsSnapshot)
    if table is None:
        return Reply(localized(language, lambda f: f._(
            "No rate odds have been computed yet.")), language=language)
    attachment = None
    if table.chart_event:
        attachment = await ctx.records.load_attachment(table.chart_event, "odds.png")
    markets = await ctx.snapshots.get_model(MARKETS_SNAPSHOT, MarketsSnapshot)
    return Reply(localized(language, lambda f: odds_table_text(f, table, markets)),
                 attachment=attachment, attachment_name="odds.png" if attachment else None,
                 language=language)


COMMANDS = (CommandSpec(NP_("command", "odds"),
                        N_("Rate-move odds for the coming meetings"), handler=odds),)
