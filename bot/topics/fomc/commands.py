"""``/fomc [diff]``: the latest decision as its alert, or what changed in the wording."""

from __future__ import annotations

from bot.commands.core import (
    CommandContext,
    CommandSpec,
    Invocation,
    Param,
    Reply,
    latest_event_reply,
    localized,
)
from bot.domain.chats import Language
from bot.render.formatting import Formatter
from bot.render.i18n import N_, NP_
from bot.topics.fomc.changes import ranked, say
from bot.topics.fomc.events import FomcDecision

DIFF_WORDS = ("diff", "changes", "變動")


async def fomc(ctx: CommandContext, inv: Invocation, args: list[str],
               language: Language) -> Reply:
    if args and args[0].lower() in DIFF_WORDS:
        return await fomc_diff(ctx, language)
    return await latest_event_reply(ctx, inv, language, "fomc", lambda f: f._(
        "No FOMC statement has been read yet."))


async def fomc_diff(ctx: CommandContext, language: Language) -> Reply:
    event = await ctx.snapshots.latest_event("fomc")
    if not isinstance(event, FomcDecision):
        return Reply(localized(language, lambda f: f._(
            "No FOMC statement has been read yet.")), language=language)

    def compose(f: Formatter) -> str:
        lines = [f._("Changes in the {day} statement from the previous one:").format(
            day=f.date(event.meeting_date))]
        worth = ranked(event.changes, with_decision=True)
        if not worth:
            lines.append(f._("No change in wording."))
        lines += [say(item, f) for item in worth]  # every one, in the reader's language
        return "\n".join(lines)

    return Reply(localized(language, compose), language=language)


COMMANDS = (CommandSpec(NP_("command", "fomc"),
                        N_("Last FOMC decision and what changed"), handler=fomc,
                        example="/fomc diff", params=(
                            Param(NP_("command", "changes"),
                                  N_("Show every changed sentence"), kind="flag",
                                  word="diff"),)),)
