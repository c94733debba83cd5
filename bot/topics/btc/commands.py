"""The BTC topic's commands: ``/btc`` and the price levels (``/alert``, ``/alerts``,
``/delalert``)."""

from __future__ import annotations

from bot.commands.core import (
    CommandContext,
    CommandSpec,
    Invocation,
    Param,
    ParamChoice,
    Reply,
    chat_zone,
    localized,
)
from bot.domain.chats import Direction, Language, RepeatMode
from bot.domain.errors import InvalidId, MissingArgument
from bot.render.formatting import Formatter
from bot.render.i18n import N_, NP_
from bot.topics.btc.amounts import parse_alert_args
from bot.topics.btc.snapshot import PRICE_SNAPSHOT, PriceSnapshot

ALL_WORDS = {"all", "全部", "所有"}


def direction_words(f: Formatter, direction: Direction) -> str:
    return {
        Direction.ABOVE: f._("rises above"),
        Direction.BELOW: f._("falls below"),
        Direction.CROSS: f._("crosses"),
    }[direction]


def mode_words(f: Formatter, mode: RepeatMode) -> str:
    return f._("once") if mode is RepeatMode.ONCE else f._("every time (re-armed)")


async def btc(ctx: CommandContext, inv: Invocation, args: list[str],
              language: Language) -> Reply:
    snapshot = await ctx.snapshots.get_model(PRICE_SNAPSHOT, PriceSnapshot)
    zone = await chat_zone(ctx, inv)
    registered = await ctx.registry.get_chat(inv.chat) is not None
    count = len(await ctx.registry.list_thresholds(inv.chat)) if registered else 0

    def compose(f: Formatter) -> str:
        if snapshot is None:
            return f._("No Bitcoin price yet (the price feeds may be starting or degraded).")
        lines = [f._("Bitcoin composite price: {price}").format(price=f.usd(snapshot.price))]
        lines.append(f._("Sources: {sources}").format(
            sources=f._(", ").join(snapshot.sources)))
        if snapshot.at is not None:
            lines.append(f.local_moment(snapshot.at, zone))
        lines.append(f._("This chat has {n} price alerts (/alerts).").format(n=count))
        return "\n".join(lines)

    return Reply(localized(language, compose), language=language)


async def alert(ctx: CommandContext, inv: Invocation, args: list[str],
                language: Language) -> Reply:
    chat = await ctx.registry.require_chat(inv.chat)
    zone = chat.timezone
    request = parse_alert_args(args)
    direction, level, mode = request.direction, request.level, request.mode
    snapshot = await ctx.snapshots.get_model(PRICE_SNAPSHOT, PriceSnapshot)
    price = snapshot.price if snapshot is not None else None
    expires = ctx.clock() + request.expires_in if request.expires_in else None
    added = await ctx.registry.add_threshold(inv.chat, direction, level, mode=mode,
                                             expires_at=expires, price=price)
    threshold = added.threshold

    def compose(f: Formatter) -> str:
        what = f._("Bitcoin {direction} {level}").format(
            direction=direction_words(f, threshold.direction),
            level=f.usd_level(threshold.level))
        if added.existing:
            lines = [f._("This chat already has that alert: #{id} {what}.").format(
                id=threshold.id, what=what)]
        else:
            lines = [f._("Alert #{id} set: {what} ({mode}).").format(
                id=threshold.id, what=what, mode=mode_words(f, threshold.mode))]
        if threshold.expires_at and not added.existing:
            lines.append(f._("It expires {when}.").format(
                when=f.local_moment(threshold.expires_at, zone)))
        if price is not None:
            now_text = f._("Bitcoin is now {price}.").format(price=f.usd(price))
            if added.passed:
                now_text = f.sentences(now_text, f._(
                    "It is already past that level, so the alert waits for the next "
                    "crossing."))
            lines.append(now_text)
        else:
            lines.append(f._("No live price yet: the alert fires on the first crossing "
                             "the feeds see."))
        lines.append(f._("See /alerts; delete with /delalert {id}.").format(id=threshold.id))
        return "\n".join(lines)

    return Reply(localized(language, compose), language=language)


async def alerts(ctx: CommandContext, inv: Invocation, args: list[str],
                 language: Language) -> Reply:
    await ctx.registry.require_chat(inv.chat)
    thresholds = await ctx.registry.list_thresholds(inv.chat)

    def compose(f: Formatter) -> str:
        if not thresholds:
            return f._("No price alerts yet. Example: /alert below 80000")
        lines = [f._("Price alerts of this chat:")]
        for t in thresholds:
            lines.append(f._("#{id} Bitcoin {direction} {level} ({mode})").format(
                id=t.id, direction=direction_words(f, t.direction),
                level=f.usd_level(t.level), mode=mode_words(f, t.mode)))
        lines.append(f._("Delete with /delalert ID."))
        return "\n".join(lines)

    return Reply(localized(language, compose), language=language)


async def delalert(ctx: CommandContext, inv: Invocation, args: list[str],
                   language: Language) -> Reply:
    await ctx.registry.require_chat(inv.chat)
    if not args:
        raise MissingArgument(usage="/delalert ID", value="")
    if args[0].lower() in ALL_WORDS:
        removed = [t.id for t in await ctx.registry.list_thresholds(inv.chat)]
        for threshold_id in removed:
            await ctx.registry.remove_threshold(inv.chat, threshold_id)
        return Reply(localized(language, lambda f: f._("Deleted all {n} price alerts.").format(
            n=len(removed))), language=language)
    text = args[0].lstrip("#")
    # ASCII digits only: "①" passes str.isdigit() but not int()
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise InvalidId(args[0], value=args[0])
    await ctx.registry.remove_threshold(inv.chat, int(text))
    return Reply(localized(language, lambda f: f._("Alert #{id} deleted.").format(
        id=int(text))), language=language)


COMMANDS = (
    CommandSpec(NP_("command", "btc"), N_("Bitcoin composite price"), handler=btc),
    CommandSpec(NP_("command", "alert"),
                N_("BTC price alert, e.g. /alert below 80000"), changes_settings=True,
                handler=alert, example="/alert below 80000", params=(
                    Param(NP_("command", "direction"), N_("Rises above, falls below or crosses"),
                          kind="choice", required=True, choices=(
                              ParamChoice("above", N_("rises above")),
                              ParamChoice("below", N_("falls below")),
                              ParamChoice("cross", N_("crosses")))),
                    Param(NP_("command", "price"), N_("Price in USD, e.g. 80000, 80k or 8萬"),
                          kind="price", required=True, example="80000"),
                    Param(NP_("command", "repeat"), N_("Fire again each time (re-armed)"),
                          kind="flag", word="repeat"),
                    Param(NP_("command", "expires"), N_("Expire after, e.g. 7d or 12h"),
                          kind="duration", prefix="expires:", example="7d"))),
    CommandSpec(NP_("command", "alerts"), N_("List this chat's price alerts"), handler=alerts),
    CommandSpec(NP_("command", "delalert"),
                N_("Delete a price alert by its number"), changes_settings=True,
                handler=delalert, example="/delalert 1", params=(
                    Param(NP_("command", "id"), N_("The alert's number (see /alerts), or all"),
                          required=True, example="1"),)),
)
