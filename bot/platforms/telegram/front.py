"""The Telegram front end: updates in, replies out, everything else in the command layer.

Handlers stay thin (as in python-telegram-bot's examples): they build an ``Invocation``
(chat, kind, the user's ``language_code``, whether the sender may change settings) and
hand the text or the button data to ``bot.commands``; the ``Reply`` becomes a message.
Telegram-only duties live here too:
- who is an admin: private chats always; channel posts (only admins can post); in groups
  ``getChatMember``, and an anonymous admin (``sender_chat`` is the group itself);
- ``my_chat_member``: added to a group or channel → registered; removed, kicked or
  blocked → deactivated; unblocked → reactivated;
- a group upgraded to a supergroup keeps everything (``migrate_to_chat_id``);
- ``/channel @name``: an admin of a channel subscribes it from a private chat, after
  ``getChatMember`` shows the user is an admin there and the bot may post;
- command menus in English and Chinese (``setMyCommands`` with ``language_code``).
Long polling by default (only the leader polls: Telegram allows one poller per token);
webhook mode serves on every instance behind a load balancer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import replace

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import NetworkError, TelegramError
from telegram.error import RetryAfter as TelegramRetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.commands.allowance import Verdict
from bot.commands.core import (
    ChannelAccess,
    ChannelCheck,
    Invocation,
    Reply,
    localized,
    reply_sections,
)
from bot.commands.handlers import Commands, parse_command
from bot.config import Settings
from bot.domain.chats import FALLBACK, ChatKind, ChatRef, Language
from bot.platforms.pacing import SharedBudget
from bot.platforms.telegram.markup import message_parts, to_html
from bot.platforms.telegram.sender import retry_seconds, send_parts, topic_ref
from bot.render.formatting import Formatter
from bot.render.message import AlertMessage
from bot.store.registry import Registry
from bot.store.server import STORE_DOWN_ERRORS
from bot.store.updates import HandledUpdates

log = logging.getLogger(__name__)

ADMIN_STATUSES = {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}
ADMIN_CACHE_SECONDS = 60
ALLOWED_UPDATES = ["message", "edited_message", "channel_post", "callback_query",
                   "my_chat_member"]
REPLY_ATTEMPTS = 3
REPLY_MAX_WAIT = 10.0  # a reply later than this is not worth sending
# updates handled at once: a chat's own queue (its turn, its reply's wait) must never hold
# every slot, so other chats are answered while one floods
CONCURRENT_UPDATES = 64
MENU_LANGUAGES: dict[str | None, Language] = {
    None: Language(FALLBACK),  # the menu for clients of every other language
    **{single.locale.client_prefixes[0]: single for single in Language.BOTH.singles
       if single.value != FALLBACK and single.locale.client_prefixes}}
"""Telegram's per-language command menus, from the locale data."""


def chat_kind(chat_type: str) -> ChatKind:
    if chat_type == ChatType.PRIVATE:
        return ChatKind.PRIVATE
    if chat_type == ChatType.CHANNEL:
        return ChatKind.CHANNEL
    return ChatKind.GROUP


class TelegramFrontEnd:
    platform = "telegram"

    def __init__(self, settings: Settings, commands: Commands, registry: Registry,
                 budget: SharedBudget | None = None) -> None:
        self.settings = settings.telegram
        self.commands = commands
        self.registry = registry
        self.budget = budget  # replies take their slot in the budget alerts share
        self.handled = HandledUpdates(registry.redis, registry.keys, self.platform)
        self._admins: dict[tuple[int, int], tuple[float, bool]] = {}
        self._locks: dict[int, asyncio.Lock] = {}
        self.app: Application | None = None

    def _lock(self, chat_id: int) -> asyncio.Lock:
        """Updates run concurrently across chats, in order within one chat."""
        if len(self._locks) > 10_000:
            self._locks = {k: v for k, v in self._locks.items() if v.locked()}
        return self._locks.setdefault(chat_id, asyncio.Lock())

    @contextlib.asynccontextmanager
    async def _in_turn(self, chat_id: int, update_id: int) -> AsyncIterator[bool]:
        """The chat's turn for an update, and whether it is new: an update re-delivered
        (to a new leader after a failover, to a webhook answered late) is not answered
        twice. It counts as handled once its handling ends without an error."""
        async with self._lock(chat_id):
            if await self.handled.already_handled(update_id):
                log.info("telegram update %d was handled before: skipped", update_id)
                yield False
                return
            yield True
            await self.handled.mark(update_id)

    @property
    def leader_only(self) -> bool:
        return self.settings.mode == "polling"

    def build(self) -> Application:
        assert self.settings.token is not None
        api = self.settings.api_url
        app = (ApplicationBuilder().token(self.settings.token.get_secret_value())
               .base_url(f"{api}/bot").base_file_url(f"{api}/file/bot")
               .concurrent_updates(CONCURRENT_UPDATES).build())
        commands = filters.COMMAND & (filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST)
        app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, self.on_migrate))
        app.add_handler(MessageHandler(commands, self.on_command))
        app.add_handler(CallbackQueryHandler(self.on_button))
        app.add_handler(ChatMemberHandler(self.on_my_chat_member,
                                          ChatMemberHandler.MY_CHAT_MEMBER))
        app.add_error_handler(self.on_error)
        return app

    async def run(self, stop: asyncio.Event) -> None:
        app = self.app = self.build()
        await app.initialize()
        try:
            await self.register_menus(app)
            await app.start()
            if self.settings.mode == "webhook":
                secret = self.settings.webhook_secret
                await app.updater.start_webhook(  # type: ignore[union-attr]
                    listen=self.settings.webhook_listen, port=self.settings.webhook_port,
                    url_path="telegram", webhook_url=self.settings.webhook_url,
                    allowed_updates=ALLOWED_UPDATES,
                    secret_token=secret.get_secret_value() if secret else None)
                limit_webhook_body(app)
            else:
                await app.updater.start_polling(  # type: ignore[union-attr]
                    allowed_updates=ALLOWED_UPDATES, timeout=10)
            log.info("telegram front end @%s started (%s)", app.bot.username,
                     self.settings.mode)
            await stop.wait()
        finally:
            with contextlib.suppress(Exception):
                if app.updater and app.updater.running:
                    await app.updater.stop()
            with contextlib.suppress(Exception):
                if app.running:
                    await app.stop()
            with contextlib.suppress(Exception):
                await app.shutdown()

    async def register_menus(self, app: Application) -> None:
        for code, language in MENU_LANGUAGES.items():
            f = Formatter(language)
            menu = [BotCommand(spec.name, f._(spec.description)[:256])
                    for spec in self.commands.table
                    if spec.platforms is None or self.platform in spec.platforms]
            try:
                await app.bot.set_my_commands(menu, language_code=code)
            except TelegramError as exc:
                log.warning("telegram: setMyCommands (%s) failed: %s", code or "default", exc)

    # Who is asking -------------------------------------------------------------------
    async def is_admin(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int,
                       user_id: int | None) -> bool:
        if user_id is None:
            return False
        key = (chat_id, user_id)
        cached = self._admins.get(key)
        if cached and time.monotonic() - cached[0] < ADMIN_CACHE_SECONDS:
            return cached[1]
        try:
            member = await context.bot.get_chat_member(chat_id, user_id)
            admin = member.status in ADMIN_STATUSES
        except TelegramError as exc:
            log.info("telegram: getChatMember %s/%s failed (%s)", chat_id, user_id, exc)
            admin = False
        self._admins[key] = (time.monotonic(), admin)
        return admin

    @staticmethod
    def sender(update: Update) -> Invocation:
        """Who sent an update and where, without asking Telegram anything: enough to count
        it against the allowance (``Commands.admit``) and to say no in the chat's language."""
        chat = update.effective_chat
        assert chat is not None
        message = update.effective_message
        user = update.effective_user
        thread = message.message_thread_id if message is not None and \
            message.is_topic_message else None
        return Invocation(chat=topic_ref(chat.id, thread), chat_kind=chat_kind(chat.type),
                          user_id=str(user.id) if user else None,
                          user_language=user.language_code if user else None)

    async def invocation(self, update: Update, context: ContextTypes.DEFAULT_TYPE,
                         user_id: int | None = None) -> Invocation:
        chat = update.effective_chat
        assert chat is not None
        kind = chat_kind(chat.type)
        message = update.effective_message
        user = update.effective_user
        uid = user_id if user_id is not None else (user.id if user else None)
        if kind is ChatKind.PRIVATE or kind is ChatKind.CHANNEL:
            admin = True  # one's own chat; only a channel's admins can post in it
        elif message is not None and message.sender_chat is not None and \
                message.sender_chat.id == chat.id and update.callback_query is None:
            admin = True  # an anonymous group admin posting as the group
        else:
            admin = await self.is_admin(context, chat.id, uid)
        thread = message.message_thread_id if message is not None and \
            message.is_topic_message else None
        return Invocation(
            chat=topic_ref(chat.id, thread), chat_kind=kind,
            user_id=str(uid) if uid else None,
            user_language=user.language_code if user else None, is_admin=admin,
            chat_title=chat.title or chat.full_name)

    # Updates -------------------------------------------------------------------------
    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or not message.text:
            return
        parsed = parse_command(message.text, context.bot.username)
        if parsed is None:
            return
        thread_id = message.message_thread_id if message.is_topic_message else None
        verdict = self.commands.admit(self.sender(update))
        if verdict is not Verdict.ADMITTED:  # counted on arrival: a flood never queues
            refusal = await self.commands.refuse(self.sender(update), verdict)
            await self.send_reply(context, message.chat_id, refusal, thread_id=thread_id)
            return
        async with self._in_turn(message.chat_id, update.update_id) as new:
            if not new:
                return
            # the platform's side of any command that needs it (``/channel``'s check)
            inv = replace(await self.invocation(update, context),
                          channels=self.channel_access(context))
            reply = await self.commands.run(inv, *parsed, admitted=True)
            # the reply's slot is taken in the chat's order; its wait is outside the turn
            slot = await self.reserve(message.chat_id, reply)
        await self.send_reply(context, message.chat_id, reply, thread_id=thread_id,
                              slot=slot)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None or query.data is None:
            return
        chat_id = update.effective_chat.id if update.effective_chat else 0
        verdict = self.commands.admit(self.sender(update))
        if verdict is not Verdict.ADMITTED:
            refusal = await self.commands.refuse(self.sender(update), verdict)
            await query.answer(refusal.text[:200] or None, show_alert=bool(refusal.text))
            return
        async with self._in_turn(chat_id, update.update_id) as new:
            if not new:
                return
            inv = await self.invocation(update, context, user_id=query.from_user.id)
            reply = await self.commands.press(inv, query.data, admitted=True)
            if reply.error:
                await query.answer(reply.text[:200], show_alert=True)
                return
            await query.answer()
            html = to_html(AlertMessage("reply", "info", reply_sections(reply)))
            with contextlib.suppress(TelegramError):  # "message is not modified" is harmless
                await query.edit_message_text(message_parts(html)[0],
                                              parse_mode=ParseMode.HTML,
                                              reply_markup=keyboard(reply))

    async def on_my_chat_member(self, update: Update,
                                context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.my_chat_member
        if change is None:
            return
        chat = change.chat
        ref = ChatRef("telegram", str(chat.id))
        status = change.new_chat_member.status
        registry = self.registry
        known = await registry.get_chat(ref)
        if status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT):
            if known is not None:
                reason = "blocked by the user" if chat.type == ChatType.PRIVATE else "removed"
                await registry.deactivate(ref, reason)
                log.info("telegram: %s %s: deactivated", ref, reason)
            return
        if known is None:
            if chat.type == ChatType.PRIVATE:
                return  # a private chat is registered by /start
            await registry.upsert_chat(ref, chat_kind(chat.type), title=chat.title)
            if chat.type != ChatType.CHANNEL:
                await self.welcome_group(context, chat.id)
        elif not known.active:
            await registry.reactivate(ref)
            log.info("telegram: %s is back: reactivated", ref)

    async def welcome_group(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
        text = localized(Language.BOTH, lambda f: f._(
            "Hello! An admin of this group can send /start to choose the language and the "
            "alerts (FOMC, balance sheet, rate odds, Bitcoin levels)."))
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(chat_id, text)

    async def on_migrate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        if message.migrate_to_chat_id:
            old, new = message.chat_id, message.migrate_to_chat_id
        elif message.migrate_from_chat_id:
            old, new = message.migrate_from_chat_id, message.chat_id
        else:
            return
        if await self.registry.migrate(ChatRef("telegram", str(old)),
                                                ChatRef("telegram", str(new))):
            log.info("telegram: group %s became supergroup %s: settings moved", old, new)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.warning("telegram: update failed: %r", context.error)

    # Channels ------------------------------------------------------------------------
    def channel_access(self, context: ContextTypes.DEFAULT_TYPE) -> ChannelAccess:
        """``/channel``'s Telegram side: the channel, the user's and the bot's rights in it."""
        bot = context.bot

        class TelegramChannels:
            async def check_channel(self, target: str, user_id: str | None) -> ChannelCheck:
                try:
                    channel = await bot.get_chat(target)
                    member = await bot.get_chat_member(channel.id, int(user_id or 0))
                    me = await bot.get_chat_member(channel.id, bot.id)
                except Exception as exc:  # Telegram's refusal, or an answer we cannot read
                    log.info("telegram: /channel %s: %r", target, exc)
                    return ChannelCheck(problem="not_visible")
                if channel.type != ChatType.CHANNEL:
                    return ChannelCheck(problem="not_channel")
                if member.status not in ADMIN_STATUSES:
                    return ChannelCheck(problem="not_admin")
                if me.status not in ADMIN_STATUSES or \
                        getattr(me, "can_post_messages", True) is False:
                    return ChannelCheck(problem="cannot_post")
                return ChannelCheck(str(channel.id), channel.title)

        return TelegramChannels()

    # Replies -------------------------------------------------------------------------
    @staticmethod
    def reply_parts(reply: Reply) -> tuple[list[str], str]:
        """The reply as the HTML messages it is sent as, and its title."""
        if reply.alert is not None:
            title = reply.alert.sections[0].title if reply.alert.sections else ""
            return message_parts(to_html(reply.alert)), title
        sections = reply_sections(reply)  # a reply is sections too: every text escaped
        return (message_parts(to_html(AlertMessage("reply", "info", sections))),
                sections[0].title if sections else "")

    async def reserve(self, chat_id: int, reply: Reply) -> float:
        """The reply's place in the send budget it shares with the alerts of every
        instance: seconds to wait before sending (0 without a shared budget)."""
        if self.budget is None or reply.quiet:
            return 0.0
        loop = asyncio.get_running_loop()
        give_up = loop.time() + REPLY_MAX_WAIT
        while True:
            try:
                delay = await self.budget.reserve(str(chat_id), group=chat_id < 0,
                                                  count=len(self.reply_parts(reply)[0]))
            except STORE_DOWN_ERRORS:  # the budget lives in the store: pace this one alone
                return 1.0
            left = give_up - loop.time()
            if delay >= 0 or left <= 0:
                return min(abs(delay), REPLY_MAX_WAIT)
            # the chat's next slot is further than a reservation reaches: wait in the
            # chat's turn until it is near, then take it (sent unreserved, replies queued
            # for one chat went out together and earned 429s)
            await asyncio.sleep(min(max(-delay - self.budget.max_wait / 2, 0.05), left))

    async def send_reply(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, reply: Reply,
                         *, thread_id: int | None = None, slot: float | None = None) -> None:
        """Send a reply: at ``slot`` (from ``reserve``), else reserving one now."""
        if reply.quiet:
            return
        parts, title = self.reply_parts(reply)
        mode = ParseMode.HTML
        await asyncio.sleep(slot if slot is not None else await self.reserve(chat_id, reply))
        for attempt in range(REPLY_ATTEMPTS):
            try:
                await send_parts(context.bot, chat_id, parts, parse_mode=mode,
                                 attachment=reply.attachment, title=title,
                                 thread_id=thread_id, markup=keyboard(reply))
                return
            except TelegramRetryAfter as exc:  # this chat's own limit: wait it out once
                wait = retry_seconds(exc)
                if attempt + 1 == REPLY_ATTEMPTS or wait > REPLY_MAX_WAIT:
                    log.info("telegram: reply to %s dropped (429, retry after %.0f s)",
                             chat_id, wait)
                    return
                await asyncio.sleep(wait)
            except NetworkError as exc:  # a 5xx or a dropped connection: try again shortly
                if attempt + 1 == REPLY_ATTEMPTS:
                    log.info("telegram: reply to %s failed after %d tries: %s", chat_id,
                             REPLY_ATTEMPTS, exc)
                    return
                await asyncio.sleep(0.5 * 2 ** attempt)
            except TelegramError as exc:  # refused for good (blocked, bad request)
                log.info("telegram: reply to %s failed: %s", chat_id, exc)
                return


WEBHOOK_BODY_LIMIT = 1024 * 1024  # an update is a few kB; Telegram sends nothing near this


def limit_webhook_body(app: Application) -> None:
    """Read at most ``WEBHOOK_BODY_LIMIT`` bytes of a request before it is checked: the
    webhook server (tornado, inside python-telegram-bot) would otherwise buffer up to
    100 MB of an unauthenticated post. Its connection parameters are set for every
    connection after this; a larger body ends the connection unread."""
    server = getattr(getattr(app.updater, "_httpd", None), "_http_server", None)
    params = getattr(server, "conn_params", None)
    if params is None:
        log.warning("telegram: the webhook server's body limit could not be set "
                    "(python-telegram-bot changed); requests up to 100 MB are read")
        return
    params.max_body_size = WEBHOOK_BODY_LIMIT
    params.body_timeout = 10.0


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.data)
                                  for b in row] for row in reply.buttons])
