"""Telegram delivery: the outbox's transport through python-telegram-bot's ``Bot``.

Translation only: an ``AlertMessage`` becomes HTML (escaped, split below 4096 UTF-16
units; a chart goes as a photo with the title as caption), and Telegram's answer becomes
a ``DeliveryResult``:
- 429 ``RetryAfter`` → retry after N s (and every send pauses that long);
- ``Forbidden`` (blocked, kicked, deactivated) and "chat not found" → the chat is gone;
- ``ChatMigrated`` (group → supergroup) → moved to the new id;
- a message Telegram cannot parse as HTML is sent once more as plain text;
- network errors and timeouts → failed, retried with backoff by the outbox.
Quiet hours send with ``disable_notification``: silent, never late.
"""

from __future__ import annotations

import html
import logging
import os
import warnings
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol

os.environ.setdefault("PTB_TIMEDELTA", "1")  # retry_after as a timedelta, no deprecation noise

import httpx
from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    TelegramError,
    TimedOut,
)
from telegram.error import (
    RetryAfter as TelegramRetryAfter,
)

from bot import metrics
from bot.domain.chats import Chat, ChatKind, ChatRef
from bot.platforms.base import (
    Delivered,
    DeliveryResult,
    Failed,
    Gone,
    Moved,
    RejectedCredentials,
    RetryAfter,
)
from bot.platforms.pacing import Pacer, SharedBudget
from bot.platforms.telegram.markup import CAPTION_LIMIT, message_parts, to_html
from bot.render.message import AlertMessage, utf16_len
from bot.store.threads import SentMessages

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)

GONE_MARKERS = ("message thread not found", "topic_deleted",  # a deleted forum topic
                "chat not found", "bot was kicked", "bot is not a member", "chat was deleted",
                "user is deactivated", "have no rights to send", "need administrator rights",
                "not enough rights to send")


def maybe_delivered(error: TimedOut) -> bool:
    """A read or write timeout: the request reached Telegram (unlike a connect or pool
    timeout, which means it was never sent)."""
    cause = error.__cause__
    return isinstance(cause, httpx.ReadTimeout | httpx.WriteTimeout)


def retry_seconds(error: TelegramRetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def bot_for(settings: Settings) -> Bot:
    assert settings.telegram.token is not None
    api = settings.telegram.api_url
    return Bot(settings.telegram.token.get_secret_value(), base_url=f"{api}/bot",
               base_file_url=f"{api}/file/bot")


class PaidPolicy(Protocol):
    """Whether one message of an event may go as a paid broadcast (``bot.store.budget``)."""

    async def use_paid(self, event_key: str) -> bool: ...


class TelegramTransport:
    platform = "telegram"

    def __init__(self, bot: Bot, pacer: Pacer | None = None, *,
                 paid: PaidPolicy | None = None, paid_pacer: Pacer | None = None,
                 threads: SentMessages | None = None) -> None:
        self.bot = bot
        self.pacer = pacer or Pacer()
        self.paid = paid
        self.paid_pacer = paid_pacer
        self.threads = threads  # follow-ups (the note) as replies to their alert
        self.sent = 0
        self.sent_paid = 0

    @classmethod
    def from_settings(cls, settings: Settings, shared: SharedBudget | None = None, *,
                      paid: PaidPolicy | None = None,
                      paid_shared: SharedBudget | None = None,
                      threads: SentMessages | None = None) -> TelegramTransport:
        """``shared``: the store's send budget, so every instance keeps to one limit;
        ``paid``: when an event may use paid broadcasts, at ``paid_messages_per_second``."""
        telegram = settings.telegram
        paid_pacer = Pacer(telegram.paid_messages_per_second,
                           telegram.group_messages_per_minute,
                           telegram.private_messages_per_second,
                           shared=paid_shared) if paid is not None else None
        return cls(bot_for(settings), Pacer(telegram.messages_per_second,
                                            telegram.group_messages_per_minute,
                                            telegram.private_messages_per_second,
                                            shared=shared), paid=paid, paid_pacer=paid_pacer,
                   threads=threads)

    async def start(self) -> None:
        try:
            await self.bot.initialize()
        except InvalidToken:
            raise RejectedCredentials("Telegram", "FEDALERT_TELEGRAM__TOKEN") from None

    async def close(self) -> None:
        await self.bot.shutdown()

    async def deliver(self, chat: Chat, message: AlertMessage,
                      attachment: bytes | None) -> DeliveryResult:
        group = chat.kind is not ChatKind.PRIVATE
        parts = message_parts(to_html(message))
        paid = self.paid is not None and self.paid_pacer is not None and \
            await self.paid.use_paid(message.event_key)
        pacer = self.paid_pacer if paid and self.paid_pacer is not None else self.pacer
        busy = await pacer.wait(telegram_target(chat)[0], group=group, count=len(parts))
        if busy is not None:
            return RetryAfter(busy, pacing=True)
        try:
            await self._send(chat, message, parts, attachment, parse_mode=ParseMode.HTML,
                             paid=paid)
            self.sent_paid += paid
        except TelegramRetryAfter as error:
            seconds = retry_seconds(error)
            await self.pacer.refused_shared(telegram_target(chat)[0], seconds)
            return RetryAfter(seconds)
        except ChatMigrated as error:
            return Moved(str(error.new_chat_id))
        except Forbidden as error:
            return Gone(error.message)
        except BadRequest as error:
            text = error.message.lower()
            if any(marker in text for marker in GONE_MARKERS):
                return Gone(error.message)
            if "parse entities" in text or "can't find end tag" in text:
                log.warning("telegram rejected the HTML of %s (%s); sending plain text",
                            message.event_key, error.message)
                return await self._plain(chat, message, attachment)
            return Failed(f"BadRequest: {error.message}", permanent=True)
        except InvalidToken as error:
            return Failed(f"InvalidToken: {error.message}")
        except TimedOut as error:
            if maybe_delivered(error):
                # the request went out and the answer was late: Telegram may well have
                # posted it, and sending again would show the alert twice; at most once
                log.info("telegram: no answer in time for %s in %s; not sent again",
                         message.event_key, chat.ref)
                metrics.DELIVERIES.labels("telegram", "unconfirmed").inc()
                self.sent += 1
                return Delivered()
            return Failed(f"TimedOut: {error.message}")
        except NetworkError as error:
            return Failed(f"{type(error).__name__}: {error.message}")
        except TelegramError as error:
            return Failed(f"{type(error).__name__}: {error.message}")
        self.sent += 1
        return Delivered()

    async def _plain(self, chat: Chat, message: AlertMessage,
                     attachment: bytes | None) -> DeliveryResult:
        try:
            await self._send(chat, message, message_parts(message.to_text()), attachment,
                             parse_mode=None)
        except TelegramError as error:
            return Failed(f"{type(error).__name__}: {error.message}", permanent=True)
        self.sent += 1
        return Delivered()

    async def _send(self, chat: Chat, message: AlertMessage, parts: list[str],
                    attachment: bytes | None, *, parse_mode: str | None,
                    paid: bool = False) -> None:
        chat_id, thread_id = telegram_target(chat)
        reply_to = None
        if self.threads is not None and message.reply_to:
            known = await self.threads.lookup(message.reply_to, chat.ref)
            reply_to = int(known) if known and known.isdigit() else None
        first = await send_parts(
            self.bot, chat_id, parts, parse_mode=parse_mode, attachment=attachment,
            title=message.sections[0].title if message.sections else "",
            thread_id=thread_id, silent=message.silent, paid=paid, reply_to=reply_to)
        if self.threads is not None and first is not None:
            await self.threads.remember(message.event_key, chat.ref, str(first))


def topic_ref(chat_id: int | str, thread_id: int | None) -> ChatRef:
    """A chat, or one topic of a forum supergroup (its own target with its own settings:
    ``telegram:-100123/42``)."""
    return ChatRef("telegram", f"{chat_id}/{thread_id}" if thread_id else str(chat_id))


def telegram_target(chat: Chat) -> tuple[str, int | None]:
    """(chat id, forum topic) to send to, from the target's id."""
    chat_id, _, thread = chat.ref.chat_id.partition("/")
    if thread.isdigit():
        return chat_id, int(thread)
    return chat_id, int(chat.thread_id) if chat.thread_id else None


async def send_parts(
    bot: Bot,
    chat_id: int | str,
    parts: list[str],
    *,
    parse_mode: str | None,
    attachment: bytes | None = None,
    title: str = "",
    thread_id: int | None = None,
    silent: bool = False,
    markup: InlineKeyboardMarkup | None = None,
    paid: bool = False,
    reply_to: int | None = None,
) -> int | None:
    """The one way fedalert posts to a Telegram chat, for alerts and command replies alike.

    A chart goes first, as a photo whose caption is the whole text when it fits, else the
    title; then the text, split to Telegram's limit; buttons ride on the last message.
    Errors are the caller's to map (the outbox retries, a reply logs). ``reply_to``: the
    first message answers that one (a follow-up under its alert; sent anyway if it is
    gone). Returns the first message's id.
    """
    common: dict[str, Any] = {"disable_notification": silent, "message_thread_id": thread_id}
    if paid:
        common["allow_paid_broadcast"] = True
    first: dict[str, Any] = {}
    if reply_to is not None:
        first["reply_parameters"] = ReplyParameters(message_id=reply_to,
                                                    allow_sending_without_reply=True)
    sent: list[Any] = []
    parts = list(parts)
    if attachment is not None:
        if len(parts) == 1 and utf16_len(parts[0]) <= CAPTION_LIMIT:
            caption, parts = parts[0], []
        else:
            caption = f"<b>{html.escape(title)}</b>" if parse_mode and title else title
        sent.append(await bot.send_photo(chat_id, photo=attachment, caption=caption,
                                         parse_mode=parse_mode,
                                         reply_markup=None if parts else markup,
                                         **common, **first))
        first = {}
    for index, part in enumerate(parts):
        sent.append(await bot.send_message(
            chat_id, part, parse_mode=parse_mode,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
            reply_markup=markup if index == len(parts) - 1 else None, **common, **first))
        first = {}
    message_id = getattr(sent[0], "message_id", None) if sent else None
    return message_id if isinstance(message_id, int) else None
