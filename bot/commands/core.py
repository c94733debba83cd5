"""Platform-agnostic command types: what a transport hands in, what it gets back.

Telegram and Discord only translate: they build an ``Invocation`` from an update or an
interaction, call the command layer, and turn the ``Reply`` into their own message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.domain.chats import ChatKind, ChatRef, Language
from bot.render.formatting import Formatter
from bot.render.message import AlertMessage


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
    extras: dict[str, str] = field(default_factory=dict)


Compose = Callable[[Formatter], str]


def localized(language: Language, compose: Compose) -> str:
    """The text in the chat's language; ``both`` = zh-Hant block, then the English one."""
    return "\n\n".join(compose(Formatter(single)) for single in language.singles)
