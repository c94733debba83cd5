"""Platform-agnostic command types: what a transport hands in, what it gets back.

Telegram and Discord only translate: they build an ``Invocation`` from an update or an
interaction, call the command layer, and turn the ``Reply`` into their own message.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from bot.domain.brief import AgendaItem
from bot.domain.chats import ChatKind, ChatRef, Language, Threshold
from bot.domain.topics import TopicDirectory
from bot.render.formatting import Formatter
from bot.render.message import AlertMessage, Section
from bot.render.renderers import RenderRegistry
from bot.store.briefs import BriefSchedule
from bot.store.records import EventRecords
from bot.store.registry import Registry
from bot.store.snapshots import Snapshots


@dataclass(frozen=True, slots=True)
class ChannelCheck:
    """What the platform found about a channel a user wants to subscribe."""

    chat_id: str | None = None
    title: str | None = None
    problem: str | None = None  # not_visible | not_channel | not_admin | cannot_post


class ChannelAccess(Protocol):
    """A platform's side of ``/channel``: can this user subscribe that channel, and we post?"""

    async def check_channel(self, target: str, user_id: str | None) -> ChannelCheck: ...


@dataclass(frozen=True, slots=True)
class WebhookTarget:
    """An incoming webhook a URL names: where alerts go, and the secret that posts there."""

    chat: ChatRef
    secret: str = field(repr=False)


class WebhookAccess(Protocol):
    """A platform's side of ``/webhook``: read a webhook URL (None if it is not one), and
    say whether it really belongs to the caller's server (None: it does; else a problem:
    ``elsewhere`` or ``unreachable``)."""

    def parse(self, url: str) -> WebhookTarget | None: ...

    async def check(self, target: WebhookTarget, space_id: str | None) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Invocation:
    """Who asked, where, and with what rights (the transport checks the rights)."""

    chat: ChatRef
    chat_kind: ChatKind
    user_id: str | None = None
    user_language: str | None = None  # client language code: Telegram language_code, Discord locale
    is_admin: bool = True  # may change this chat's settings (always true in private chats)
    chat_title: str | None = None
    can_post: bool = True  # the bot may post alerts in this chat
    chat_language: str | None = None  # a group's own language (Discord guild locale), if any
    channels: ChannelAccess | None = None  # the platform's channel check (Telegram /channel)
    webhooks: WebhookAccess | None = None  # the platform's webhook reader (Discord /webhook)
    space_id: str | None = None  # the server (Discord guild) the chat belongs to


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    data: str  # opaque to transports; fed back through ``Commands.press``


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    alert: AlertMessage | None = None  # a rendered alert to show (transport formats it)
    attachment: bytes | None = None
    attachment_name: str | None = None
    ephemeral: bool = False  # only the caller should see it (Discord)
    language: Language = Language.BOTH
    error: str | None = None  # the error code when the reply reports bad input
    quiet: bool = False  # nothing to show (a chat over its command limit, already told)


Compose = Callable[[Formatter], str]


class Localized(str):
    """A reply's text that remembers its blocks, one per single language, so a platform
    can format each as a ``Section`` (``reply_sections``)."""

    blocks: tuple[tuple[str, str], ...]

    def __new__(cls, blocks: tuple[tuple[str, str], ...]) -> Localized:
        text = super().__new__(cls, "\n\n".join(block for _, block in blocks))
        text.blocks = blocks
        return text


def localized(language: Language, compose: Compose) -> str:
    """The text in the chat's language; ``both`` = zh-Hant block, then the English one."""
    return Localized(tuple((single.value, compose(Formatter(single)))
                           for single in language.singles))


def reply_sections(reply: Reply) -> tuple[Section, ...]:
    """A reply as sections, like an alert: per language, its first line the title and the
    rest its lines. Each platform formats them its own way."""
    if reply.alert is not None:
        return reply.alert.sections
    text = reply.text
    blocks = text.blocks if isinstance(text, Localized) else \
        ((reply.language.singles[0].value, text),)
    sections = []
    for language, block in blocks:
        lines = block.splitlines() or [""]
        sections.append(Section(language=language, title=lines[0], lines=tuple(lines[1:])))
    return tuple(sections)


StatusCompose = Callable[[Formatter], list[str]]
"""The topics' ``/status`` lines in one language."""
StatusSource = Callable[[str, datetime], Awaitable[StatusCompose]]
"""``(zone, now) → compose``: loads what the topics' status lines read, once per request."""


@dataclass(frozen=True, slots=True)
class BriefPart:
    """A topic's line about one chat's own settings in its morning brief (the BTC topic:
    the chat's nearest levels). Chats whose parts have the same ``key`` read one brief."""

    key: str
    compose: Callable[[Formatter], str | None]


BriefPartFor = Callable[[Sequence[Threshold]], BriefPart]
"""One chat's part, from the levels it set."""
BriefPersonal = Callable[[Snapshots], Awaitable[BriefPartFor]]
"""Loads what a topic's part reads (once per round of briefs), then makes each chat's."""


@dataclass(frozen=True)
class CommandContext:
    """What the command handlers may use (the topics' commands included)."""

    registry: Registry
    snapshots: Snapshots
    records: EventRecords
    renderers: RenderRegistry
    topics: TopicDirectory
    status: StatusSource
    default_timezone: str
    commands: tuple[CommandSpec, ...] = ()  # the topics' own commands
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    briefs: BriefSchedule | None = None
    agenda: Callable[[datetime, int], Awaitable[list[AgendaItem]]] | None = None
    """What the topics publish from a moment over N days (``/calendar``)."""
    platform_commands: tuple[CommandSpec, ...] = ()  # the platforms' own (``/channel``)


CommandHandler = Callable[[CommandContext, Invocation, list[str], Language], Awaitable[Reply]]


@dataclass(frozen=True)
class ParamChoice:
    """One allowed value of a choice parameter, with its label (a catalog msgid)."""

    value: str
    label: str


@dataclass(frozen=True, slots=True)
class Param:
    """A typed parameter of a command, declared once: platforms with typed options
    (Discord's slash commands) build them from it, and turn what the user chose into the
    words a text command would have had (``tokens``), so one handler parses both.

    ``kind``: choice | text | price | time | duration | flag. A flag adds ``word`` when
    set; ``keyword`` comes before the value (``/settings tz Asia/Taipei``); ``prefix`` is
    glued to it (``expires:7d``). ``choices_from="topics"``: the registered topics and
    "all"."""

    name: str  # msgid, context "command": the option's (localized) name
    description: str  # msgid
    kind: str = "text"
    required: bool = False
    choices: tuple[ParamChoice, ...] = ()
    choices_from: str | None = None
    word: str = ""
    keyword: str = ""
    prefix: str = ""
    example: str = ""

    def tokens(self, value: object) -> list[str]:
        if value is None or value is False or value == "":
            return []
        if self.kind == "flag":
            return [self.word]
        text = str(getattr(value, "value", value)).strip()
        if not text:
            return []
        words = [self.prefix + text] if self.prefix else text.split()
        return ([self.keyword] if self.keyword else []) + words


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One chat command, declared once: its name, its description (a catalog msgid), who
    may run it, its typed parameters and an example. From this come Telegram's menus,
    Discord's slash commands (options, choices, localizations, permissions), ``/help``
    and the usage a user is shown when a command is mistyped."""

    name: str
    description: str
    changes_settings: bool = False  # only admins, in groups
    handler: CommandHandler | None = None  # None: a core command (``Commands`` method)
    platforms: frozenset[str] | None = None  # None: every platform
    params: tuple[Param, ...] = ()
    example: str = ""  # "/alert below 80000": shown in /help and with an error
    groups_only: bool = False  # a server's or group's setting, not a private chat's

    def tokens(self, values: dict[str, object]) -> list[str]:
        """What the user chose in typed options, as the words of the text command."""
        return [word for param in self.params for word in param.tokens(values.get(param.name))]


async def chat_zone(ctx: CommandContext, inv: Invocation) -> str:
    chat = await ctx.registry.get_chat(inv.chat)
    return chat.timezone if chat else ctx.default_timezone


async def latest_event_reply(ctx: CommandContext, inv: Invocation, language: Language,
                             name: str, empty: Callable[[Formatter], str]) -> Reply:
    """The latest event of ``name`` rendered as its alert (with its chart), or ``empty``."""
    event = await ctx.snapshots.latest_event(name)
    if event is None:
        return Reply(localized(language, empty), language=language)
    message = ctx.renderers.message(event, language, await chat_zone(ctx, inv))
    attachment = None
    if message.attachment:
        attachment = await ctx.records.load_attachment(event.key, message.attachment)
    return Reply(message.to_text(), alert=message, attachment=attachment,
                 attachment_name=message.attachment, language=language)


ALL_WORDS = {"all", "全部", "所有"}
REMOVE_WORDS = {"remove", "delete", "off", "移除", "刪除"}


def topics_named(topics: TopicDirectory, args: list[str]) -> tuple[str, ...]:
    """Topic names from what a user typed (``fomc, btc``, ``比特幣``, ``all``)."""
    words = [a.strip(",，、") for a in args if a.strip(",，、")]
    if any(w.lower() in ALL_WORDS for w in words):
        return topics.names
    return tuple(dict.fromkeys(topics.parse(w) for w in words))


def topic_list(f: Formatter, topics: TopicDirectory, names: frozenset[str]) -> str:
    """The display titles of ``names``, in the directory's order."""
    return f._(", ").join(f._(info.title) for info in topics if info.name in names)
