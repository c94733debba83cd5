"""LINE's front end: the webhook listener (commands as text, answered by the free reply API)
and the signed chart URLs that image messages point at.

LINE posts to ``<public_url>/line/webhook``; the listener binds ``line.webhook_listen``
(loopback by default: put it behind an HTTPS reverse proxy). The ``x-line-signature``
(HMAC-SHA256 of the body with the channel secret) is checked before anything is parsed; a
bad one is refused and changes nothing. The answer is 200 at once; the events are handled
after it, a redelivered event (same ``webhookEventId``) once. In a 1:1 chat the user's
language comes from their LINE profile (zh-TW when it says nothing); in a group anyone may
change settings unless ``line.admins`` names who may.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Any

from aiohttp import web
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (
    ApiException,
    ImageMessage,
    PostbackAction,
    QuickReply,
    QuickReplyItem,
    ReplyMessageRequest,
    TextMessage,
)
from linebot.v3.webhooks import (
    FollowEvent,
    GroupSource,
    JoinEvent,
    LeaveEvent,
    MessageEvent,
    PostbackEvent,
    RoomSource,
    TextMessageContent,
    UnfollowEvent,
    UserSource,
)

from bot import metrics
from bot.commands.allowance import Verdict
from bot.commands.core import Invocation, Reply, reply_sections
from bot.commands.handlers import parse_command
from bot.domain.chats import ChatKind, ChatRef
from bot.domain.events import EventTypes
from bot.platforms.base import FrontEndParts
from bot.platforms.line.api import (
    MESSAGES_PER_CALL,
    TEXT_LIMIT,
    make_api,
    media_allowed,
    media_url,
    priority_only,
)
from bot.render.formatting import Formatter
from bot.render.message import AlertMessage, split_text
from bot.store.keys import KeySchema
from bot.store.records import EventRecords

log = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024
PROFILE_CACHE = 3600.0
QUICK_REPLY_ITEMS = 13
DEFAULT_LANGUAGE = "zh-TW"


class LineFrontEnd:
    platform = "line"

    def __init__(self, parts: FrontEndParts) -> None:
        self.parts = parts
        self.settings = parts.settings
        line = parts.settings.line
        assert line.channel_secret is not None
        self.secret = line.channel_secret.get_secret_value()
        self.parser = WebhookParser(self.secret)
        self.client, self.api = make_api(parts.settings)
        self.records = EventRecords(parts.redis, KeySchema(parts.settings.key_prefix,
                                                           parts.settings.partitions),
                                    EventTypes())
        self.tasks: set[asyncio.Task[None]] = set()
        self.languages: dict[str, str] = {}
        self.port: int | None = None  # the bound port (tests listen on port 0)

    @property
    def leader_only(self) -> bool:
        return True  # one listener on the configured address

    def app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post("/line/webhook", self.on_webhook)
        app.router.add_get("/line/media/{event_key}/{name}", self.on_media)
        return app

    async def run(self, stop: asyncio.Event) -> None:
        runner = web.AppRunner(self.app(), access_log=None)
        await runner.setup()
        host, port = self.settings.line.host_port
        site = web.TCPSite(runner, host, port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else port
        log.info("line: webhook listener on %s:%s (/line/webhook)", host, self.port)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()
            for task in list(self.tasks):
                task.cancel()
            await self.client.close()

    # the webhook ----------------------------------------------------------------------------
    async def on_webhook(self, request: web.Request) -> web.Response:
        signature = request.headers.get("x-line-signature", "")
        try:
            body = (await request.read()).decode("utf-8")
            events = self.parser.parse(body, signature)
        except InvalidSignatureError:
            metrics.COMMANDS.labels("line", "refused", "bad_signature").inc()
            log.warning("line: a webhook request with a bad signature was refused")
            return web.Response(status=401, text="bad signature")
        except (UnicodeDecodeError, ValueError, KeyError) as exc:
            log.info("line: an unreadable webhook body was refused (%s)", type(exc).__name__)
            return web.Response(status=400, text="unreadable")
        for event in events:
            task = asyncio.create_task(self.handle(event))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        return web.Response(text="OK")

    async def first_time(self, event: Any) -> bool:
        """False for a redelivery of an event already handled."""
        event_id = getattr(event, "webhook_event_id", None)
        if not event_id:
            return True
        key = f"{self.settings.key_prefix}:line:seen:{event_id}"
        return bool(await self.parts.redis.set(key, 1, nx=True, ex=86400))

    async def handle(self, event: Any) -> None:
        try:
            if not await self.first_time(event):
                return
            if isinstance(event, MessageEvent) and isinstance(event.message,
                                                               TextMessageContent):
                await self.on_text(event)
            elif isinstance(event, FollowEvent | JoinEvent):
                inv = await self.invocation(event.source)
                reply = await self.parts.commands.run(inv, "start", [])
                await self.reply(event.reply_token, reply)
            elif isinstance(event, PostbackEvent):
                inv = await self.invocation(event.source)
                reply = await self.parts.commands.press(inv, event.postback.data)
                await self.reply(event.reply_token, reply)
            elif isinstance(event, UnfollowEvent | LeaveEvent):
                ref = self.ref_of(event.source)
                if ref is not None:
                    await self.parts.registry.deactivate(ref, "left the LINE chat")
        except Exception:
            log.exception("line: an event could not be handled")

    async def on_text(self, event: MessageEvent) -> None:
        text = event.message.text.strip().replace("／", "/", 1)
        parsed = parse_command(text)
        if parsed is None:
            return
        inv = await self.invocation(event.source)
        verdict = self.parts.commands.admit(inv)
        if verdict is not Verdict.ADMITTED:
            await self.reply(event.reply_token, await self.parts.commands.refuse(inv, verdict))
            return
        reply = await self.parts.commands.run(inv, *parsed, admitted=True)
        if parsed[0] == "status":
            reply = await self.with_quota_line(reply)
        await self.reply(event.reply_token, reply)

    # who asked -------------------------------------------------------------------------------
    @staticmethod
    def ref_of(source: Any) -> ChatRef | None:
        if isinstance(source, GroupSource):
            return ChatRef("line", source.group_id)
        if isinstance(source, RoomSource):
            return ChatRef("line", source.room_id)
        if isinstance(source, UserSource) and source.user_id:
            return ChatRef("line", source.user_id)
        return None

    async def invocation(self, source: Any) -> Invocation:
        ref = self.ref_of(source)
        if ref is None:
            raise ValueError("an event without a chat")
        user_id = getattr(source, "user_id", None)
        if isinstance(source, UserSource):
            return Invocation(ref, ChatKind.PRIVATE, user_id=user_id,
                              user_language=await self.language_of(user_id))
        admins = self.settings.line.admins
        return Invocation(ref, ChatKind.GROUP, user_id=user_id,
                          user_language=DEFAULT_LANGUAGE,
                          is_admin=not admins or (user_id is not None and user_id in admins))

    async def language_of(self, user_id: str | None) -> str:
        """The LINE profile's language (zh-TW when it gives none or cannot be read)."""
        if not user_id:
            return DEFAULT_LANGUAGE
        if user_id not in self.languages:
            try:
                profile = await self.api.get_profile(user_id)
                self.languages[user_id] = profile.language or DEFAULT_LANGUAGE
            except (ApiException, OSError) as exc:
                log.info("line: profile of a user could not be read (%s)",
                         getattr(exc, "status", type(exc).__name__))
                return DEFAULT_LANGUAGE
        return self.languages[user_id]

    # answers ---------------------------------------------------------------------------------
    async def with_quota_line(self, reply: Reply) -> Reply:
        """``/status`` on LINE says when the month's pushes are down to priority alerts."""
        view = await priority_only(self.parts.redis, self.settings.key_prefix,
                                   self.settings.line.priority_reserve)
        if view is None:
            return reply
        lines = []
        for language in reply.language.singles:
            f = Formatter(language)
            lines.append(f._("LINE: {used} of {limit} pushes used this month; only priority "
                             "alerts (FOMC decisions) still go.").format(
                used=f.number(view.used), limit=f.number(view.limit)))
        return replace(reply, text=reply.text + "\n\n" + "\n".join(lines), alert=None)

    def reply_messages(self, reply: Reply) -> list[TextMessage | ImageMessage]:
        if reply.alert is not None:
            text = reply.alert.to_text()
        else:
            text = AlertMessage("reply", "info", reply_sections(reply)).to_text()
        messages: list[TextMessage | ImageMessage] = [
            TextMessage(text=part) for part in split_text(text, TEXT_LIMIT)]
        line = self.settings.line
        if reply.alert is not None and reply.attachment_name and line.public_url:
            url = media_url(line.public_url, self.secret, reply.alert.event_key,
                            reply.attachment_name)
            messages.append(ImageMessage(original_content_url=url, preview_image_url=url))
        buttons = [button for row in reply.buttons for button in row][:QUICK_REPLY_ITEMS]
        if buttons and isinstance(messages[-1], TextMessage):
            messages[-1] = TextMessage(text=messages[-1].text, quick_reply=QuickReply(items=[
                QuickReplyItem(action=PostbackAction(label=b.label[:20], data=b.data,
                                                     display_text=b.label))
                for b in buttons]))
        return messages[:MESSAGES_PER_CALL]

    async def reply(self, token: str | None, reply: Reply) -> None:
        if not token or reply.quiet or not reply.text:
            return
        try:
            await self.api.reply_message(ReplyMessageRequest(
                reply_token=token, messages=self.reply_messages(reply)))
        except ApiException as exc:  # an expired token, a reply already sent
            log.info("line: a reply could not be sent (HTTP %s)", exc.status)
        except ValueError as exc:  # sent; LINE's answer did not read as the SDK expects
            log.debug("line: a reply's answer was not understood (%s)", exc)

    # charts ------------------------------------------------------------------------------------
    async def on_media(self, request: web.Request) -> web.Response:
        event_key, name = request.match_info["event_key"], request.match_info["name"]
        if not media_allowed(self.secret, event_key, name, request.query.get("exp", ""),
                             request.query.get("sig", "")):
            return web.Response(status=403, text="expired or not signed")
        data = await self.records.load_attachment(event_key, name)
        if data is None:
            return web.Response(status=404, text="no such chart")
        return web.Response(body=data, content_type="image/png",
                            headers={"Cache-Control": "private, max-age=86400"})
