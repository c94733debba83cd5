"""Discord delivery: channels and DMs through the bot, or a channel's incoming webhook.

Translation only: an ``AlertMessage`` becomes embeds (one per language, a colour per
kind: cut, hike, hold, QT, QE, price up or down), a chart becomes an attachment shown in
the first embed. discord.py waits out rate limits itself (per-route buckets, global
limit); what it gives up on comes back as ``RetryAfter``. Missing access (403) and
unknown channels or webhooks (404) mean the chat is gone: the worker deactivates it and,
through ``on_gone``, the user who set it up is told once by DM.
Webhook URLs are secrets: they are stored, used, and never echoed or logged.
"""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING, Any

import aiohttp
import discord

from bot.domain.chats import Chat
from bot.platforms.base import (
    Delivered,
    DeliveryResult,
    Failed,
    Gone,
    RejectedCredentials,
    RetryAfter,
)
from bot.render.formatting import Formatter
from bot.render.message import AlertMessage
from bot.store.threads import SentMessages

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)

COLOURS = {
    "cut": 0x2E7D32, "hike": 0xC62828, "hold": 0x546E7A, "qt": 0xEF6C00, "qe": 0x00897B,
    "flat": 0x78909C, "price_up": 0x43A047, "price_down": 0xE53935, "odds": 0x6A1B9A,
    "info": 0x1565C0,
}
EMBED_DESCRIPTION_LIMIT = 4096
CHART_NAME = "chart.png"
GONE_CODES = {10003, 10015, 50001, 50013, 50007}  # unknown channel/webhook, no access,
# missing permissions, cannot DM the user


def use_api(api_url: str) -> None:
    """Point discord.py (REST and webhooks) at ``api_url`` (tests use a local stand-in)."""
    discord.http.Route.BASE = api_url


def embeds_for(message: AlertMessage, with_chart: bool) -> list[discord.Embed]:
    colour = discord.Colour(COLOURS.get(message.style, COLOURS["info"]))
    embeds = []
    for section in message.sections:
        description = "\n".join(section.lines)
        if len(description) > EMBED_DESCRIPTION_LIMIT:
            description = description[: EMBED_DESCRIPTION_LIMIT - 1] + "…"
        embed = discord.Embed(title=section.title[:256], description=description, colour=colour,
                              url=section.link or None)
        if section.footer:
            embed.set_footer(text=section.footer[:2048])
        embeds.append(embed)
    if with_chart and embeds:
        embeds[0].set_image(url=f"attachment://{CHART_NAME}")
    return embeds[:10]


def map_error(error: Exception) -> DeliveryResult:
    if isinstance(error, discord.RateLimited):
        return RetryAfter(error.retry_after)
    if isinstance(error, discord.Forbidden | discord.NotFound):
        code = getattr(error, "code", 0)
        if isinstance(error, discord.NotFound) or code in GONE_CODES:
            return Gone(f"{error.status} {error.text or code}")
        return Failed(f"{error.status} {error.text}", permanent=True)
    if isinstance(error, discord.HTTPException):
        if error.status == 429:
            return RetryAfter(5.0)
        return Failed(f"HTTP {error.status}: {error.text}", permanent=400 <= error.status < 500)
    return Failed(f"{type(error).__name__}: {error}")


class DiscordTransport:
    """Channels and DMs by id, over REST only (no gateway needed to send)."""

    platform = "discord"

    def __init__(self, token: str, api_url: str, *, rate_limit_timeout: float = 60.0,
                 threads: SentMessages | None = None) -> None:
        self.token = token
        self.api_url = api_url
        self.rate_limit_timeout = rate_limit_timeout
        self.client = self._new_client()
        self.sent = 0
        self.threads = threads  # follow-ups (the note) as replies to their alert

    def _new_client(self) -> discord.Client:
        return discord.Client(intents=discord.Intents.none(),
                              max_ratelimit_timeout=self.rate_limit_timeout)

    @classmethod
    def from_settings(cls, settings: Settings,
                      threads: SentMessages | None = None) -> DiscordTransport:
        assert settings.discord.token is not None
        return cls(settings.discord.token.get_secret_value(), settings.discord.api_url,
                   threads=threads)

    async def start(self) -> None:
        use_api(self.api_url)
        if self.client.is_closed():  # a closed client cannot log in again
            self.client = self._new_client()
        try:
            await self.client.login(self.token)
        except discord.LoginFailure:
            await self.client.close()  # the HTTP session login opened
            raise RejectedCredentials("Discord", "FEDALERT_DISCORD__TOKEN") from None
        except BaseException:
            await self.client.close()
            raise

    async def close(self) -> None:
        await self.client.close()

    async def deliver(self, chat: Chat, message: AlertMessage,
                      attachment: bytes | None) -> DeliveryResult:
        channel = self.client.get_partial_messageable(int(chat.ref.chat_id))
        try:
            kwargs: dict[str, Any] = {"embeds": embeds_for(message, attachment is not None),
                                         "silent": message.silent}
            if attachment is not None:
                kwargs["file"] = discord.File(io.BytesIO(attachment), filename=CHART_NAME)
            if self.threads is not None and message.reply_to:
                known = await self.threads.lookup(message.reply_to, chat.ref)
                if known and known.isdigit():  # under its alert; sent anyway if it is gone
                    kwargs["reference"] = discord.MessageReference(
                        message_id=int(known), channel_id=int(chat.ref.chat_id),
                        fail_if_not_exists=False)
            sent = await channel.send(**kwargs)
        except (discord.DiscordException, aiohttp.ClientError, TimeoutError) as error:
            return map_error(error)
        if self.threads is not None and getattr(sent, "id", None):
            await self.threads.remember(message.event_key, chat.ref, str(sent.id))
        self.sent += 1
        return Delivered()

    async def on_gone(self, chat: Chat, reason: str) -> None:
        """Tell the member who configured a guild channel that alerts stopped there."""
        if not chat.configured_by:
            return
        f = Formatter(chat.language.singles[0])
        text = f._("fedalert can no longer post in the channel {channel} ({reason}), so its "
                   "alerts are paused. Give me permission to send messages there and run "
                   "/subscribe again.").format(channel=f"<#{chat.ref.chat_id}>", reason=reason)
        user = await self.client.fetch_user(int(chat.configured_by))
        await user.send(text)


class WebhookTransport:
    """A guild channel's incoming webhook: alerts arrive without the bot in the guild."""

    platform = "webhook"

    def __init__(self, api_url: str) -> None:
        self.api_url = api_url
        self.session: aiohttp.ClientSession | None = None
        self.sent = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> WebhookTransport:
        return cls(settings.discord.api_url)

    async def start(self) -> None:
        use_api(self.api_url)
        self.session = aiohttp.ClientSession()

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()

    async def deliver(self, chat: Chat, message: AlertMessage,
                      attachment: bytes | None) -> DeliveryResult:
        if not chat.secret:
            return Gone("webhook token missing")
        assert self.session is not None
        webhook = discord.Webhook.partial(int(chat.ref.chat_id), chat.secret,
                                          session=self.session)
        try:
            kwargs: dict[str, Any] = {"embeds": embeds_for(message, attachment is not None),
                                         "username": "fedalert", "silent": message.silent,
                                         "wait": True}
            if attachment is not None:
                kwargs["file"] = discord.File(io.BytesIO(attachment), filename=CHART_NAME)
            await webhook.send(**kwargs)
        except (discord.DiscordException, aiohttp.ClientError, TimeoutError) as error:
            result = map_error(error)
            if isinstance(result, Failed):  # never carry the URL (it holds the token)
                result = Failed(result.error.replace(chat.secret, "***"), result.permanent)
            return result
        self.sent += 1
        return Delivered()

