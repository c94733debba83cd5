"""Telegram's own command: ``/channel @name [topics]`` subscribes a channel the user
administers (a channel cannot talk to the bot, so its admin does it from a private chat).

Declared once like every command (``CommandSpec``): its menu entry, /help line and
parsing come from here; the platform's channel check arrives in ``Invocation.channels``.
"""

from __future__ import annotations

from bot.commands.core import (
    CommandContext,
    CommandSpec,
    Invocation,
    Param,
    Reply,
    localized,
    topic_list,
    topics_named,
)
from bot.domain.chats import ChatKind, ChatRef, Language
from bot.domain.errors import MissingArgument, UnknownCommand
from bot.render.formatting import Formatter
from bot.render.i18n import N_, NP_


def channel_problem(f: Formatter, problem: str, channel: str) -> str:
    if problem == "not_channel":
        return f._("{channel} is not a channel.").format(channel=channel)
    if problem == "not_admin":
        return f._("Only an admin of {channel} can subscribe it.").format(channel=channel)
    if problem == "cannot_post":
        return f._("I cannot post in {channel}: make me an admin with the right to post "
                   "messages.").format(channel=channel)
    return f._("I cannot see {channel}: add me to the channel as an admin first.").format(
        channel=channel)


async def channel(ctx: CommandContext, inv: Invocation, args: list[str],
                  language: Language) -> Reply:
    """``/channel @name [topics]``, sent in a private chat: subscribe a channel.

    The topics are read before anything is asked or stored, so a typo gets its usual
    reply and registers nothing; the platform checks that the user administers the
    channel and that the bot may post in it.
    """
    if inv.chat_kind is not ChatKind.PRIVATE:
        return Reply(localized(language, lambda f: f._(
            "Send /channel @yourchannel to me in a private chat.")), language=language,
            error="wrong_chat_type")
    if not args:
        raise MissingArgument(usage="/channel @yourchannel [topics]", value="")
    topics = topics_named(ctx.topics, args[1:]) if args[1:] else ctx.topics.names
    if inv.channels is None:
        raise UnknownCommand("channel", value="/channel")
    target = args[0] if args[0].startswith("@") or args[0].lstrip("-").isdigit() \
        else f"@{args[0]}"
    found = await inv.channels.check_channel(target, inv.user_id)
    if found.problem is not None or found.chat_id is None:
        problem = found.problem or "not_visible"
        return Reply(localized(language, lambda f: channel_problem(f, problem, target)),
                     language=language, error=f"channel_{problem}")
    ref = ChatRef(inv.chat.platform, found.chat_id)
    await ctx.registry.upsert_chat(ref, ChatKind.CHANNEL, language=language, title=found.title)
    await ctx.registry.reactivate(ref)
    now = await ctx.registry.subscribe(ref, *topics)
    title = found.title or target

    def compose(f: Formatter) -> str:
        return "\n".join([
            f._("{channel} is subscribed. Post /settings or /lang in the channel, or "
                "/unsubscribe, to change it.").format(channel=title),
            f._("Topics: {topics}").format(topics=topic_list(f, ctx.topics, now))])

    return Reply(localized(language, compose), language=language)


COMMANDS = (
    CommandSpec(NP_("command", "channel"), N_("Subscribe a channel you administer"),
                handler=channel, platforms=frozenset({"telegram"}),
                example="/channel @mychannel", params=(
                    Param(NP_("command", "channel"), N_("The channel, e.g. @mychannel"),
                          required=True, example="@mychannel"),)),
)
