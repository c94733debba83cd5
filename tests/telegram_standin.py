"""A local stand-in of the Telegram Bot API (aiohttp), for the real python-telegram-bot.

It answers the methods fedalert uses, records every request, and can play Telegram's
failures: a user who blocked the bot (403), a chat that does not exist (400), a group
upgraded to a supergroup (400 with ``migrate_to_chat_id``), and flood control (429 with
``retry_after``) under a sliding-window model of the published limits (30 messages in any
second overall, 1 a second per private chat, 20 a minute per group).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT = {"id": 7000001, "is_bot": True, "first_name": "fedalert", "username": "fedalert_test_bot",
       "can_join_groups": True, "can_read_all_group_messages": False,
       "supports_inline_queries": False}
TOKEN = "7000001:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float
    ok: bool = True  # False: answered with an error (a 429)


@dataclass
class TelegramStandIn:
    enforce_limits: bool = False
    fail_next: int = 0  # how many of the next sends answer 502 Bad Gateway
    delay_next: float = 0.0  # the next send answers this late (after posting the message)
    calls: list[Call] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    blocked: set[int] = field(default_factory=set)
    missing: set[int] = field(default_factory=set)
    deleted_topics: set[tuple[int, int]] = field(default_factory=set)  # (chat, thread)
    migrated: dict[int, int] = field(default_factory=dict)
    members: dict[tuple[int, int], str] = field(default_factory=dict)  # (chat, user) → status
    chats: dict[str, dict[str, Any]] = field(default_factory=dict)  # @username / id → chat
    too_many: int = 0
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _update_ids: Any = field(default_factory=lambda: itertools.count(100))
    _new_update: asyncio.Event = field(default_factory=asyncio.Event)
    _sent_all: deque = field(default_factory=deque)
    _sent_chat: dict[int, deque] = field(default_factory=lambda: defaultdict(deque))

    def app(self) -> web.Application:
        app = web.Application(client_max_size=20 * 2**20)
        app.router.add_post("/bot{token}/{method}", self.handle)
        app.router.add_get("/bot{token}/{method}", self.handle)
        return app

    # Updates the test plays ---------------------------------------------------------
    def push(self, update: dict[str, Any]) -> None:
        update = {"update_id": next(self._update_ids), **update}
        self.updates.append(update)
        self._new_update.set()

    def command(self, chat: dict[str, Any], user: dict[str, Any], text: str,
                **extra: Any) -> None:
        entity = {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
        message = {"message_id": next(self._ids), "date": int(time.time()), "chat": chat,
                   "from": user, "text": text, "entities": [entity], **extra}
        key = "channel_post" if chat["type"] == "channel" else "message"
        if key == "channel_post":
            message.pop("from")
        self.push({key: message})

    def press(self, chat: dict[str, Any], user: dict[str, Any], data: str) -> None:
        message = {"message_id": next(self._ids), "date": int(time.time()), "chat": chat,
                   "from": BOT, "text": "menu"}
        self.push({"callback_query": {"id": str(next(self._ids)), "from": user,
                                      "message": message, "chat_instance": "ci", "data": data}})

    def member_change(self, chat: dict[str, Any], user: dict[str, Any], old: str,
                      new: str) -> None:
        self.push({"my_chat_member": {
            "chat": chat, "from": user, "date": int(time.time()),
            "old_chat_member": {"user": BOT, "status": old, "until_date": 0},
            "new_chat_member": {"user": BOT, "status": new, "until_date": 0}}})

    def sent(self, method: str = "sendMessage") -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def texts_to_topic(self, chat_id: int, thread: int) -> list[str]:
        return [c.params.get("text") or c.params.get("caption") or ""
                for c in self.calls if c.method in ("sendMessage", "sendPhoto")
                and int(c.params.get("chat_id", 0)) == chat_id
                and int(c.params.get("message_thread_id") or 0) == thread]

    def texts_to(self, chat_id: int) -> list[str]:
        return [c.params.get("text") or c.params.get("caption") or ""
                for c in self.calls if c.method in ("sendMessage", "sendPhoto")
                and int(c.params.get("chat_id", 0)) == chat_id]

    # The API --------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != TOKEN:
            return self.error(401, "Unauthorized")
        method = request.match_info["method"]
        params: dict[str, Any] = {}
        if request.can_read_body:
            if request.content_type == "application/json":
                params = await request.json()
            else:
                form = await request.post()
                for key, value in form.items():
                    params[key] = value if hasattr(value, "file") else str(value)
        for key, value in list(params.items()):
            if isinstance(value, str) and value[:1] in "[{":
                with contextlib.suppress(json.JSONDecodeError):
                    params[key] = json.loads(value)
        call = Call(method, dict(params), time.monotonic())
        if method != "getUpdates":
            self.calls.append(call)
        params["_call"] = call
        handler = getattr(self, f"m_{method}", None)
        if handler is None:
            return self.ok(True)
        return await handler(params)

    def ok(self, result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    def error(self, code: int, description: str, **parameters: Any) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.json_response(body, status=code)

    async def m_getMe(self, params: dict[str, Any]) -> web.Response:
        return self.ok(BOT)

    async def m_getUpdates(self, params: dict[str, Any]) -> web.Response:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        pending = [u for u in self.updates if u["update_id"] >= offset]
        if not pending and timeout:
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), min(timeout, 0.2))
            pending = [u for u in self.updates if u["update_id"] >= offset]
        return self.ok(pending[:100])

    def _flood(self, chat_id: int) -> float | None:
        if not self.enforce_limits:
            return None
        now = time.monotonic()
        window_all = self._sent_all
        while window_all and now - window_all[0] > 1.0:
            window_all.popleft()
        group = chat_id < 0
        window_chat = self._sent_chat[chat_id]
        span = 60.0 if group else 1.0
        limit = 20 if group else 1
        while window_chat and now - window_chat[0] > span:
            window_chat.popleft()
        if len(window_all) >= 30:
            return 1.0
        if len(window_chat) >= limit:
            return span - (now - window_chat[0]) + 0.01
        window_all.append(now)
        window_chat.append(now)
        return None

    async def _send(self, params: dict[str, Any], kind: str) -> web.Response:
        chat_id = int(params["chat_id"])
        if self.fail_next > 0:
            self.fail_next -= 1
            return self.error(502, "Bad Gateway")
        if self.delay_next:
            delay, self.delay_next = self.delay_next, 0.0
            response = await self._send(params, kind)  # posted now, answered late
            await asyncio.sleep(delay)
            return response
        if chat_id in self.blocked:
            return self.error(403, "Forbidden: bot was blocked by the user")
        if chat_id in self.missing:
            return self.error(400, "Bad Request: chat not found")
        thread = params.get("message_thread_id")
        if thread is not None and (chat_id, int(thread)) in self.deleted_topics:
            return self.error(400, "Bad Request: message thread not found")
        if chat_id in self.migrated:
            return self.error(400, "Bad Request: group chat was upgraded to a supergroup chat",
                              migrate_to_chat_id=self.migrated[chat_id])
        wait = self._flood(chat_id)
        if wait is not None:
            self.too_many += 1
            call = params.get("_call")
            if call is not None:
                call.ok = False  # refused: not delivered
            retry = max(1, int(wait + 0.999))
            return self.error(429, f"Too Many Requests: retry after {retry}", retry_after=retry)
        chat_type = "private" if chat_id > 0 else ("channel" if str(chat_id).startswith("-100")
                                                   and chat_id in self.channel_ids()
                                                   else "supergroup")
        message: dict[str, Any] = {"message_id": next(self._ids), "date": int(time.time()),
                                   "chat": {"id": chat_id, "type": chat_type}, "from": BOT}
        if kind == "photo":
            message["photo"] = [{"file_id": "f1", "file_unique_id": "u1", "width": 800,
                                 "height": 400}]
            if params.get("caption"):
                message["caption"] = params["caption"]
        else:
            message["text"] = params.get("text", "")
        return self.ok(message)

    def channel_ids(self) -> set[int]:
        return {int(c["id"]) for c in self.chats.values() if c.get("type") == "channel"}

    async def m_sendMessage(self, params: dict[str, Any]) -> web.Response:
        return await self._send(params, "text")

    async def m_sendPhoto(self, params: dict[str, Any]) -> web.Response:
        return await self._send(params, "photo")

    async def m_editMessageText(self, params: dict[str, Any]) -> web.Response:
        return self.ok({"message_id": int(params.get("message_id", 1)), "date": int(time.time()),
                        "chat": {"id": int(params.get("chat_id", 1)), "type": "private"},
                        "text": params.get("text", "")})

    async def m_getChatMember(self, params: dict[str, Any]) -> web.Response:
        chat_id, user_id = int(params["chat_id"]), int(params["user_id"])
        status = self.members.get((chat_id, user_id), "member")
        user = BOT if user_id == BOT["id"] else {"id": user_id, "is_bot": False,
                                                  "first_name": "u"}
        result: dict[str, Any] = {"user": user, "status": status}
        if status == "administrator":
            result.update({"can_be_edited": False, "is_anonymous": False,
                           "can_manage_chat": True, "can_delete_messages": True,
                           "can_manage_video_chats": True, "can_restrict_members": True,
                           "can_promote_members": False, "can_change_info": True,
                           "can_invite_users": True, "can_post_stories": False,
                           "can_edit_stories": False, "can_delete_stories": False,
                           "can_post_messages": True})
        if status == "creator":
            result["is_anonymous"] = False
        return self.ok(result)

    async def m_getChat(self, params: dict[str, Any]) -> web.Response:
        chat = self.chats.get(str(params["chat_id"]))
        if chat is None:
            return self.error(400, "Bad Request: chat not found")
        return self.ok({**chat, "accent_color_id": 0, "max_reaction_count": 11,
                        "accepted_gift_types": {"unlimited_gifts": False,
                                                "limited_gifts": False,
                                                "unique_gifts": False,
                                                "premium_subscription": False,
                                                "gifts_from_channels": False}})
