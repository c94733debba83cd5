"""``/balance`` (the latest H.4.1 release) and ``/liquidity`` (the chat's liquidity alerts)."""

from __future__ import annotations

from bot.commands.core import (
    CommandContext,
    CommandSpec,
    Invocation,
    Param,
    ParamChoice,
    Reply,
    latest_event_reply,
    localized,
)
from bot.domain.chats import Language
from bot.domain.errors import ThresholdNotFound, TooManyThresholds
from bot.render.formatting import Formatter
from bot.render.i18n import N_, NP_
from bot.topics.h41.liquidity import (
    MAX_RULES,
    USAGE,
    parse_rule,
    rules_from_json,
    rules_to_json,
)
from bot.topics.h41.render import rule_text

FIELD = "liquidity"


async def balance(ctx: CommandContext, inv: Invocation, args: list[str],
                  language: Language) -> Reply:
    return await latest_event_reply(ctx, inv, language, "h41", lambda f: f._(
        "No H.4.1 release has been read yet."))


async def liquidity(ctx: CommandContext, inv: Invocation, args: list[str],
                    language: Language) -> Reply:
    """``/liquidity`` lists; ``/liquidity rrp below 100b`` adds; ``/liquidity delete 2``."""
    await ctx.registry.require_chat(inv.chat)
    rules = rules_from_json(await ctx.registry.get_field(inv.chat, FIELD))
    if args and args[0].lower() in ("delete", "remove", "del", "刪除"):
        try:
            index = int(args[1]) - 1 if len(args) > 1 else -1
        except ValueError:
            index = -1
        if not 0 <= index < len(rules):
            raise ThresholdNotFound(" ".join(args), id=args[1] if len(args) > 1 else "",
                                    value=" ".join(args))
        rules.pop(index)
        await ctx.registry.set_field(inv.chat, FIELD, rules_to_json(rules))
    elif args and args[0].lower() in ("off", "clear", "all"):
        rules = []
        await ctx.registry.set_field(inv.chat, FIELD, "")
    elif args:
        rule = parse_rule(args)
        if rule not in rules:
            if len(rules) >= MAX_RULES:
                raise TooManyThresholds(" ".join(args), limit=MAX_RULES, value=" ".join(args))
            rules.append(rule)
        await ctx.registry.set_field(inv.chat, FIELD, rules_to_json(rules))
        await ctx.registry.subscribe(inv.chat, "h41")  # the rules ride on the weekly release

    def listing(f: Formatter) -> str:
        if not rules:
            return f._("No liquidity alerts. Example: {usage}").format(usage=USAGE)
        lines = [f._("Liquidity alerts (checked on each weekly H.4.1):")]
        lines += [f"#{i} {rule_text(f, r.metric, r.test, r.millions)}"
                  for i, r in enumerate(rules, 1)]
        return "\n".join(lines)

    return Reply(localized(language, listing), language=language)


COMMANDS = (
    CommandSpec(NP_("command", "balance"), N_("Latest Fed balance sheet (H.4.1) with chart"),
                handler=balance),
    CommandSpec(NP_("command", "liquidity"),
                N_("Liquidity alerts: /liquidity rrp below 100b, /liquidity net move 100b"),
                changes_settings=True, handler=liquidity, example="/liquidity rrp below 100b",
                params=(
                    Param(NP_("command", "metric"),
                          N_("Which line: ON RRP, TGA, reserves or net liquidity"),
                          kind="choice", choices=(
                              ParamChoice("rrp", N_("Overnight reverse repos (ON RRP)")),
                              ParamChoice("tga", N_("Treasury General Account (TGA)")),
                              ParamChoice("reserves", N_("Reserve balances")),
                              ParamChoice("net", N_("Net liquidity")))),
                    Param(NP_("command", "test"), N_("Below, above, or a weekly move of"),
                          kind="choice", choices=(
                              ParamChoice("below", N_("falls below")),
                              ParamChoice("above", N_("rises above")),
                              ParamChoice("move", N_("moves in a week by")))),
                    Param(NP_("command", "amount"), N_("Amount, e.g. 100b, 1t or 1000億"),
                          example="100b"),
                    Param(NP_("command", "delete"),
                          N_("Delete the liquidity alert with this number (see /liquidity)"),
                          keyword="delete", example="1"))),
)
