"""A local stand-in of Discord's REST API for discord.py (``discord.http.Route.BASE``).

It answers login, channel messages, DM channels and webhook execution, records them, and
serves a gateway (``/gateway``: HELLO, IDENTIFY, READY, then the interactions a test
sends with ``interact``), the command sync and interaction callbacks; it plays Discord's
failures: 429 with ``retry_after`` (with a ``Via`` header, as Discord's
real answers have: without one discord.py takes a 429 for a Cloudflare ban), 403 Missing
Access and 404 Unknown Channel / Unknown Webhook.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

BOT_USER = {"id": "900000000000000001", "username": "fedalert", "discriminator": "0",
            "global_name": "fedalert", "avatar": None, "bot": True}
APPLICATION = {"id": "900000000000000002", "name": "fedalert", "description": "",
               "icon": None, "bot_public": True, "bot_require_code_grant": False,
               "verify_key": "0" * 64, "flags": 0, "owner": BOT_USER, "team": None}


@dataclass
class Post:
    path: str
    payload: dict[str, Any]
    files: int


@dataclass
class DiscordStandIn:
    posts: list[Post] = field(default_factory=list)
    forbidden: set[str] = field(default_factory=set)  # channel ids answering 403
    unknown: set[str] = field(default_factory=set)  # channel or webhook ids answering 404
    rate_limit_next: int = 0  # how many of the next posts answer 429
    rate_limited: int = 0
    dms: dict[str, str] = field(default_factory=dict)  # user id → DM channel id
    webhook_guilds: dict[str, str] = field(default_factory=dict)  # webhook id → guild id
    _ids: Any = field(default_factory=lambda: itertools.count(910000000000000000))
    identified: list[dict[str, Any]] = field(default_factory=list)  # IDENTIFY payloads
    synced: list[dict[str, Any]] = field(default_factory=list)  # the last command sync
    callbacks: list[dict[str, Any]] = field(default_factory=list)  # interaction answers
    sockets: list[web.WebSocketResponse] = field(default_factory=list)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    _sequence: Any = field(default_factory=lambda: itertools.count(2))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/api/v10/users/@me", self.me)
        app.router.add_get("/api/v10/oauth2/applications/@me", self.application)
        app.router.add_post("/api/v10/channels/{channel}/messages", self.channel_message)
        app.router.add_post("/api/v10/webhooks/{id}/{token}", self.webhook_message)
        app.router.add_get("/api/v10/webhooks/{id}/{token}", self.webhook_info)
        app.router.add_post("/api/v10/users/@me/channels", self.open_dm)
        app.router.add_get("/api/v10/users/{user}", self.user)
        app.router.add_get("/gateway", self.gateway)
        app.router.add_put("/api/v10/applications/{app}/commands", self.sync_commands)
        app.router.add_post("/api/v10/interactions/{id}/{token}/callback", self.callback)
        return app

    # gateway and interactions ------------------------------------------------------------
    async def gateway(self, request: web.Request) -> web.WebSocketResponse:
        """Discord's gateway as far as a bot with no intents needs it: HELLO, then READY
        after IDENTIFY; heartbeats are acknowledged; dispatches come from ``interact``."""
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_json({"op": 10, "d": {"heartbeat_interval": 41250}})
        self.sockets.append(socket)
        try:
            async for message in socket:
                data = json.loads(message.data)
                if data.get("op") == 1:
                    await socket.send_json({"op": 11})
                elif data.get("op") == 2:
                    self.identified.append(data["d"])
                    url = f"ws://{request.host}/gateway"
                    await socket.send_json({"op": 0, "t": "READY", "s": 1, "d": {
                        "v": 10, "user": BOT_USER, "guilds": [], "session_id": "session-1",
                        "resume_gateway_url": url, "shard": [0, 1],
                        "application": {"id": APPLICATION["id"], "flags": 0}}})
                    self.ready.set()
        finally:
            self.sockets.remove(socket)
        return socket

    async def sync_commands(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.synced = [{**command, "id": str(next(self._ids)),
                        "application_id": APPLICATION["id"], "version": "1"}
                       for command in body]
        return self.json(self.synced)

    async def callback(self, request: web.Request) -> web.Response:
        self.callbacks.append({"interaction": request.match_info["id"],
                               **(await self._payload(request))[0]})
        return web.Response(status=204, headers={"Via": "1.1 google"})

    async def interact(self, command: str, options: list[dict[str, Any]] | None = None, *,
                       channel: str, user: str, guild: str | None = None,
                       manage_guild: bool = True, locale: str = "zh-TW") -> str:
        """A member runs slash command ``command`` (options as Discord sends them, e.g.
        ``[{"name": "time", "type": 3, "value": "08:00"}]``); returns the interaction id,
        whose answer ``answer_to`` gives once the bot has sent it."""
        interaction = str(next(self._ids))
        person = {**BOT_USER, "id": user, "bot": False, "username": f"member{user[-3:]}"}
        synced = next((c for c in self.synced if c["name"] == command), None)
        data: dict[str, Any] = {
            "id": interaction, "application_id": APPLICATION["id"], "type": 2,
            "token": f"token-{interaction}", "version": 1, "locale": locale,
            "channel_id": channel, "app_permissions": "0", "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "data": {"id": synced["id"] if synced else "1", "name": command, "type": 1,
                     "options": options or []},
            "channel": {"id": channel, "type": 1, "recipients": [person]}}
        if guild is None:
            data["user"] = person
        else:
            permissions = str(1 << 5 if manage_guild else 0)  # MANAGE_GUILD
            data["channel"] = {"id": channel, "type": 0, "guild_id": guild, "name": "alerts",
                               "position": 0, "permission_overwrites": [], "nsfw": False,
                               "parent_id": None, "topic": None, "last_message_id": None,
                               "rate_limit_per_user": 0, "flags": 0}
            data.update(guild_id=guild, guild_locale=locale, member={
                "user": person, "roles": [], "joined_at": datetime.now(UTC).isoformat(),
                "deaf": False, "mute": False, "permissions": permissions, "flags": 0})
        for socket in list(self.sockets):
            await socket.send_json({"op": 0, "t": "INTERACTION_CREATE",
                                    "s": next(self._sequence), "d": data})
        return interaction

    def answer_to(self, interaction: str) -> dict[str, Any] | None:
        return next((c for c in self.callbacks if c["interaction"] == interaction), None)

    def json(self, data: Any, status: int = 200, **headers: str) -> web.Response:
        # discord.py reads JSON only when the Content-Type is exactly application/json
        return web.Response(body=json.dumps(data).encode(), status=status,
                            headers={"Content-Type": "application/json", "Via": "1.1 google",
                                     **headers})

    async def webhook_info(self, request: web.Request) -> web.Response:
        """GET on a webhook with its token: Discord names its guild and channel."""
        webhook_id = request.match_info["id"]
        if webhook_id not in self.webhook_guilds:
            return self.json({"message": "Unknown Webhook", "code": 10015}, status=404)
        return self.json({"id": webhook_id, "type": 1, "guild_id": self.webhook_guilds[webhook_id],
                          "channel_id": "880000000000000099", "name": "alerts"})

    async def me(self, request: web.Request) -> web.Response:
        return self.json(BOT_USER)

    async def application(self, request: web.Request) -> web.Response:
        return self.json(APPLICATION)

    async def user(self, request: web.Request) -> web.Response:
        return self.json({**BOT_USER, "id": request.match_info["user"], "bot": False,
                          "username": "member"})

    async def open_dm(self, request: web.Request) -> web.Response:
        body = await request.json()
        user = str(body["recipient_id"])
        channel = self.dms.setdefault(user, str(next(self._ids)))
        return self.json({"id": channel, "type": 1, "last_message_id": None,
                          "recipients": [{**BOT_USER, "id": user, "bot": False}]})

    async def _payload(self, request: web.Request) -> tuple[dict[str, Any], int]:
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            payload = json.loads(str(form.get("payload_json", "{}")))
            files = sum(1 for key in form if key.startswith("files["))
            return payload, files
        return await request.json(), 0

    def _limited(self) -> web.Response | None:
        if self.rate_limit_next > 0:
            self.rate_limit_next -= 1
            self.rate_limited += 1
            return self.json({"message": "You are being rate limited.", "retry_after": 0.3,
                              "global": False}, status=429,
                             **{"Retry-After": "1", "X-RateLimit-Limit": "5",
                                "X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": "0.3",
                                "X-RateLimit-Bucket": "abcd", "X-RateLimit-Scope": "user"})
        return None

    def _message(self, channel: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {"id": str(next(self._ids)), "channel_id": channel, "type": 0,
                "content": payload.get("content", ""), "author": BOT_USER, "tts": False,
                "timestamp": datetime.now(UTC).isoformat(), "edited_timestamp": None,
                "mention_everyone": False, "mentions": [], "mention_roles": [],
                "attachments": [], "embeds": payload.get("embeds", []), "pinned": False}

    async def channel_message(self, request: web.Request) -> web.Response:
        channel = request.match_info["channel"]
        limited = self._limited()
        if limited is not None:
            return limited
        if channel in self.forbidden:
            return self.json({"message": "Missing Access", "code": 50001}, status=403)
        if channel in self.unknown:
            return self.json({"message": "Unknown Channel", "code": 10003}, status=404)
        payload, files = await self._payload(request)
        self.posts.append(Post(request.path, payload, files))
        return self.json(self._message(channel, payload))

    async def webhook_message(self, request: web.Request) -> web.Response:
        webhook = request.match_info["id"]
        limited = self._limited()
        if limited is not None:
            return limited
        if webhook in self.unknown:
            return self.json({"message": "Unknown Webhook", "code": 10015}, status=404)
        payload, files = await self._payload(request)
        self.posts.append(Post(f"/api/v10/webhooks/{webhook}/***", payload, files))
        if request.query.get("wait") in ("true", "1"):
            return self.json({**self._message("930000000000000000", payload),
                              "webhook_id": webhook})
        return web.Response(status=204, headers={"Via": "1.1 google"})

    def to(self, channel: str) -> list[Post]:
        return [p for p in self.posts if p.path == f"/api/v10/channels/{channel}/messages"]
