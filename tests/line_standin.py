"""A local stand-in for LINE's Messaging API, as line-bot-sdk calls it: reply, push (with
``X-Line-Retry-Key``: a key seen before is answered 409 and sends nothing), the monthly
quota and its consumption (over it: 429 "You have reached your monthly limit."), profiles
and group member counts. It records what the bot sent."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "line-test-access-token"
SECRET = "line-test-channel-secret"


def sign(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@dataclass
class LineStandin:
    quota: int | None = 1000  # None: no limit
    used: int = 0
    members: dict[str, int] = field(default_factory=dict)
    languages: dict[str, str] = field(default_factory=dict)
    replies: list[dict[str, Any]] = field(default_factory=list)
    pushes: list[dict[str, Any]] = field(default_factory=list)
    retry_keys: list[str | None] = field(default_factory=list)
    refused: list[int] = field(default_factory=list)
    unauthorized: int = 0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v2/bot/message/reply", self.reply)
        app.router.add_post("/v2/bot/message/push", self.push)
        app.router.add_get("/v2/bot/message/quota", self.get_quota)
        app.router.add_get("/v2/bot/message/quota/consumption", self.consumption)
        app.router.add_get("/v2/bot/profile/{user}", self.profile)
        app.router.add_get("/v2/bot/group/{group}/members/count", self.member_count)
        return app

    def authorized(self, request: web.Request) -> bool:
        ok = request.headers.get("Authorization") == f"Bearer {TOKEN}"
        self.unauthorized += not ok
        return ok

    async def reply(self, request: web.Request) -> web.Response:
        if not self.authorized(request):
            return web.json_response({"message": "Authentication failed"}, status=401)
        body = await request.json()
        self.replies.append(body)
        return web.json_response({"sentMessages": [
            {"id": str(1000 + len(self.replies) * 10 + n), "quoteToken": f"q{n}"}
            for n, _ in enumerate(body["messages"])]})

    async def push(self, request: web.Request) -> web.Response:
        if not self.authorized(request):
            return web.json_response({"message": "Authentication failed"}, status=401)
        body = await request.json()
        key = request.headers.get("X-Line-Retry-Key")
        if key is not None and key in self.retry_keys:
            self.refused.append(409)
            return web.json_response({"message": "The retry key is already accepted"},
                                     status=409)
        cost = self.members.get(body["to"], 1)
        if self.quota is not None and self.used + cost > self.quota:
            self.refused.append(429)
            return web.json_response({"message": "You have reached your monthly limit."},
                                     status=429)
        self.used += cost
        self.retry_keys.append(key)
        self.pushes.append(body)
        return web.json_response({"sentMessages": [
            {"id": str(len(self.pushes) * 10 + n), "quoteToken": f"p{n}"}
            for n, _ in enumerate(body["messages"])]})

    async def get_quota(self, request: web.Request) -> web.Response:
        if not self.authorized(request):
            return web.json_response({"message": "Authentication failed"}, status=401)
        if self.quota is None:
            return web.json_response({"type": "none"})
        return web.json_response({"type": "limited", "value": self.quota})

    async def consumption(self, request: web.Request) -> web.Response:
        if not self.authorized(request):
            return web.json_response({"message": "Authentication failed"}, status=401)
        return web.json_response({"totalUsage": self.used})

    async def profile(self, request: web.Request) -> web.Response:
        if not self.authorized(request):
            return web.json_response({"message": "Authentication failed"}, status=401)
        user = request.match_info["user"]
        data = {"displayName": "user", "userId": user}
        if user in self.languages:
            data["language"] = self.languages[user]
        return web.json_response(data)

    async def member_count(self, request: web.Request) -> web.Response:
        if not self.authorized(request):
            return web.json_response({"message": "Authentication failed"}, status=401)
        return web.json_response({"count": self.members.get(request.match_info["group"], 1)})

    def texts_to_reply(self) -> list[str]:
        return ["\n".join(m.get("text", "") for m in r["messages"]) for r in self.replies]

    def pushed_texts(self, to: str) -> list[str]:
        return ["\n".join(m.get("text", "") for m in p["messages"]) for p in self.pushes
                if p["to"] == to]


def webhook_body(*events: dict[str, Any]) -> bytes:
    return json.dumps({"destination": "Ubot", "events": list(events)}).encode()


def text_event(text: str, *, user: str = "Ualice", group: str | None = None,
               event_id: str | None = None, token: str = "reply-token") -> dict[str, Any]:
    source = ({"type": "group", "groupId": group, "userId": user} if group
              else {"type": "user", "userId": user})
    return {"type": "message", "mode": "active", "timestamp": 1733500000000,
            "source": source, "replyToken": token,
            "webhookEventId": event_id or f"ev-{abs(hash((text, user, group, token)))}",
            "deliveryContext": {"isRedelivery": False},
            "message": {"id": "1", "type": "text", "text": text, "quoteToken": "q"}}
