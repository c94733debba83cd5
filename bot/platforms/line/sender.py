"""LINE delivery: an alert as text (and its chart as an image) by push, within the quota.

Translation only: an ``AlertMessage`` becomes text messages of at most 5,000 characters
(LINE shows no markup), the chart an image message from a signed URL of the listener when
``line.public_url`` is set. Every push carries ``X-Line-Retry-Key`` derived from the event
and the chat, so a retry (or a redelivery after a crash) is answered 409 and never sent
twice. The month's quota is checked before each push (a group costs its member count);
what it refuses is said once in the log and dead-lettered, never retried into a "monthly
limit" 429.
"""

from __future__ import annotations

import logging
import time

from linebot.v3.messaging import (
    ApiException,
    AsyncApiClient,
    AsyncMessagingApi,
    ImageMessage,
    PushMessageRequest,
    TextMessage,
)
from redis.asyncio import Redis

from bot.config import Settings
from bot.domain.chats import Chat
from bot.platforms.base import (
    Delivered,
    DeliveryResult,
    Failed,
    Gone,
    RejectedCredentials,
    RetryAfter,
)
from bot.platforms.line.api import (
    MESSAGES_PER_CALL,
    TEXT_LIMIT,
    Quota,
    is_priority,
    make_api,
    media_url,
    monthly_limit,
    retry_key,
)
from bot.render.message import AlertMessage, split_text

log = logging.getLogger(__name__)
MEMBERS_CACHE_SECONDS = 3600.0


class LineTransport:
    platform = "line"

    def __init__(self, settings: Settings, redis: Redis | None) -> None:
        self.settings = settings
        self.redis = redis
        self.client: AsyncApiClient | None = None
        self.quota: Quota | None = None
        self._members: dict[str, tuple[float, int]] = {}

    @property
    def api(self) -> AsyncMessagingApi:
        """The API client, opened on first use (and again after ``close``)."""
        if self.client is None:
            self.client, self._api = make_api(self.settings)
            self.quota = Quota(self._api, self.redis, self.settings.key_prefix,
                               self.settings.line.priority_reserve) \
                if self.redis is not None else None
        return self._api

    @classmethod
    def from_settings(cls, settings: Settings, redis: Redis | None) -> LineTransport:
        return cls(settings, redis)

    async def start(self) -> None:
        """Read the quota once: a token LINE refuses is a configuration mistake (one line,
        exit status 2), not a retry loop."""
        try:
            await self.api.get_message_quota()
        except ApiException as exc:
            if exc.status in (401, 403):
                raise RejectedCredentials("LINE", "FEDALERT_LINE__ACCESS_TOKEN") from None
            raise
        if self.quota is not None:
            await self.quota.refresh(force=True)

    async def close(self) -> None:
        if self.client is not None:
            client, self.client = self.client, None
            await client.close()

    async def recipients(self, chat_id: str) -> int:
        """What a push to this chat costs: 1 for a person, the member count of a group."""
        if chat_id.startswith("U"):
            return 1
        cached = self._members.get(chat_id)
        if cached and time.monotonic() - cached[0] < MEMBERS_CACHE_SECONDS:
            return cached[1]
        try:
            if chat_id.startswith("C"):
                count = (await self.api.get_group_member_count(chat_id)).count
            else:
                count = (await self.api.get_room_member_count(chat_id)).count
        except (ApiException, OSError):
            count = cached[1] if cached else 1
        self._members[chat_id] = (time.monotonic(), int(count or 1))
        return int(count or 1)

    def messages(self, message: AlertMessage) -> list[TextMessage | ImageMessage]:
        out: list[TextMessage | ImageMessage] = [
            TextMessage(text=part) for part in split_text(message.to_text(), TEXT_LIMIT)]
        line = self.settings.line
        if message.attachment and line.public_url and line.channel_secret:
            url = media_url(line.public_url, line.channel_secret.get_secret_value(),
                            message.event_key, message.attachment)
            out.append(ImageMessage(original_content_url=url, preview_image_url=url))
        return out

    async def deliver(self, chat: Chat, message: AlertMessage,
                      attachment: bytes | None) -> DeliveryResult:
        messages = self.messages(message)
        calls = [messages[i:i + MESSAGES_PER_CALL]
                 for i in range(0, len(messages), MESSAGES_PER_CALL)]
        api = self.api
        cost = await self.recipients(chat.ref.chat_id) * len(calls)
        if self.quota is not None and not await self.quota.allows(cost, is_priority(message)):
            return Failed("LINE monthly quota: kept for priority alerts", permanent=True)
        for part, batch in enumerate(calls):
            try:
                await api.push_message(
                    PushMessageRequest(to=chat.ref.chat_id, messages=batch),
                    x_line_retry_key=retry_key(message.event_key, str(chat.ref), part))
            except ApiException as exc:
                if exc.status == 409:  # this key was accepted before: already sent
                    continue
                if monthly_limit(exc):
                    if self.quota is not None:
                        await self.quota.spent_out()
                    log.warning("line: LINE says the monthly limit is reached; pushes stop "
                                "until the quota resets or the plan changes")
                    return Failed("LINE monthly limit reached", permanent=True)
                if exc.status == 429:
                    return RetryAfter(2.0)
                if exc.status in (403, 404):
                    return Gone(f"line {exc.status}")
                return Failed(f"line {exc.status}", permanent=exc.status == 400)
            except OSError as exc:
                return Failed(f"line: {type(exc).__name__}")
            except ValueError as exc:  # accepted (2xx); the answer did not read as expected
                log.debug("line: a push's answer was not understood (%s)", exc)
            if self.quota is not None:
                await self.quota.spend(cost // len(calls))
        return Delivered()
