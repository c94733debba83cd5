"""Discord's own command: ``/webhook URL [remove] [topics] [lang:…]`` in a server channel
sends alerts to that channel's incoming webhook (no bot needed in the channel).

Discord's tree builds the slash command from ``COMMANDS`` as it does every other; who
owns a webhook only the gateway can tell, through ``Invocation.webhooks``.
"""

from __future__ import annotations

from bot.commands.core import (
    REMOVE_WORDS,
    CommandContext,
    CommandSpec,
    Invocation,
    Param,
    Reply,
    localized,
    topics_named,
)
from bot.commands.handlers import LANGUAGE_CHOICES, TOPIC
from bot.domain.chats import ChatKind, Language
from bot.domain.errors import MissingArgument, UnknownCommand
from bot.render.formatting import Formatter
from bot.render.i18n import N_, NP_


def webhook_problem(f: Formatter, problem: str) -> str:
    if problem == "elsewhere":
        return f._("That webhook belongs to another server: use one of this server's "
                   "channels.")
    return f._("Discord did not confirm that webhook; check the URL and try again.")


async def webhook(ctx: CommandContext, inv: Invocation, args: list[str],
                  language: Language) -> Reply:
    """``/webhook URL [remove]`` in a server channel: alerts go to an incoming webhook.

    The URL's token is a secret: stored once, never echoed (only the id's last digits).
    """
    if inv.webhooks is None:
        raise UnknownCommand("webhook", value="/webhook")
    if not args:
        raise MissingArgument(usage="/webhook URL [remove]", value="")
    target = inv.webhooks.parse(args[0])
    if target is None:
        return Reply(localized(language, lambda f: f._(
            "That is not a Discord webhook URL. Copy it from the channel's settings, "
            "Integrations, Webhooks.")), language=language, error="invalid_webhook",
            ephemeral=True)
    tail = target.chat.chat_id[-4:]
    # a webhook belongs to the server that made it: the URL alone proves nothing
    # (webhook ids show on its messages), so ask the platform whose it is
    problem = await inv.webhooks.check(target, inv.space_id)
    if problem is not None:
        return Reply(localized(language, lambda f: webhook_problem(f, problem)),
                     language=language, error=f"webhook_{problem}", ephemeral=True)
    words = args[1:]
    registry = ctx.registry
    if any(word.lower() in REMOVE_WORDS for word in words):
        await registry.delete_chat(target.chat)
        return Reply(localized(language, lambda f: f._("Webhook …{tail} removed.").format(
            tail=tail)), language=language, ephemeral=True)
    # the webhook's own settings: topics, and its language as ``lang:en``
    chosen = [w.partition(":")[2] for w in words if w.lower().startswith("lang:")]
    topics = topics_named(ctx.topics, [w for w in words if not w.lower().startswith("lang:")])
    created = await registry.upsert_chat(target.chat, ChatKind.CHANNEL, language=language,
                                         title=inv.chat_title)
    await registry.set_secret(target.chat, target.secret)
    if chosen:
        await registry.set_language(target.chat, chosen[-1])
    if inv.user_id:
        await registry.set_configured_by(target.chat, inv.user_id)
    await registry.reactivate(target.chat)
    if topics:
        await registry.set_topics(target.chat, topics)
    elif created:
        await registry.subscribe(target.chat, *ctx.topics.names)
    return Reply(localized(language, lambda f: f._(
        "Webhook …{tail} saved: every alert goes there. The URL stays secret; remove it "
        "with /webhook and remove.").format(tail=tail)), language=language, ephemeral=True)


COMMANDS = (
    CommandSpec(NP_("command", "webhook"), N_("Send alerts to a channel's incoming webhook"),
                handler=webhook, changes_settings=True, platforms=frozenset({"discord"}),
                groups_only=True, params=(
                    Param(NP_("command", "url"), N_("The webhook URL (kept secret)"),
                          required=True),
                    Param(NP_("command", "remove"), N_("Remove this webhook instead"),
                          kind="flag", word="remove"),
                    TOPIC,
                    Param(NP_("command", "language"), N_("Language of alerts and replies"),
                          kind="choice", choices=LANGUAGE_CHOICES, prefix="lang:"))),
)
