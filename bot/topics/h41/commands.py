"""``/balance``: the latest H.4.1 release as its alert, with the chart."""

from __future__ import annotations

from bot.commands.core import CommandContext, CommandSpec, Invocation, Reply, latest_event_reply
from bot.domain.chats import Language
from bot.render.i18n import N_, NP_


async def balance(ctx: CommandContext, inv: Invocation, args: list[str],
                  language: Language) -> Reply:
    return await latest_event_reply(ctx, inv, language, "h41", lambda f: f._(
        "No H.4.1 release has been read yet."))


COMMANDS = (CommandSpec(NP_("command", "balance"),
                        N_("Latest Fed balance sheet (H.4.1) with chart"),
                        handler=balance),)
