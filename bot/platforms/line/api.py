"""The LINE Messaging API client fedalert uses (line-bot-sdk v3, async), the monthly quota,
and the signed chart URLs the webhook listener serves.

Pushes are billed per recipient (a group counts its members); the quota and what has
been used are read from the API (``/v2/bot/message/quota`` and ``…/consumption``) once a
minute and kept in the store, so every instance spends the same budget. Below
``line.priority_reserve`` only priority alerts (FOMC decisions) still go; a "monthly
limit" 429 marks the quota spent until the next read says otherwise.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
import uuid
from dataclasses import dataclass
from urllib.parse import quote, unquote

from linebot.v3.messaging import (
    ApiException,
    AsyncApiClient,
    AsyncMessagingApi,
    Configuration,
)
from redis.asyncio import Redis

from bot.config import Settings
from bot.render.message import AlertMessage

log = logging.getLogger(__name__)
TEXT_LIMIT = 5000  # characters in one text message
MESSAGES_PER_CALL = 5
QUOTA_READ_EVERY = 60.0
MEDIA_TTL = 7 * 24 * 3600
RETRY_NAMESPACE = uuid.UUID("6b1f5d0e-3f5e-4a57-9c55-2d6a8f1e0b7c")


def make_api(settings: Settings) -> tuple[AsyncApiClient, AsyncMessagingApi]:
    token = settings.line.access_token
    assert token is not None
    configuration = Configuration(access_token=token.get_secret_value(),
                                  host=settings.line.api_url)
    client = AsyncApiClient(configuration)
    client.user_agent = settings.user_agent
    return client, AsyncMessagingApi(client)


def retry_key(event_key: str, chat: str, part: int) -> str:
    """The same key for the same delivery, on every try and after a crash: LINE answers a
    repeated key with 409 and sends nothing twice."""
    return str(uuid.uuid5(RETRY_NAMESPACE, f"{event_key}|{chat}|{part}"))


def is_priority(message: AlertMessage) -> bool:
    """What still goes when the month's pushes run low: the FOMC decision."""
    return message.event_key.startswith("fomc:")


def monthly_limit(exc: ApiException) -> bool:
    return exc.status == 429 and "monthly limit" in str(exc.body or "").lower()


# the quota ---------------------------------------------------------------------------------
@dataclass
class QuotaView:
    limited: bool
    limit: int
    used: int

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used) if self.limited else 1 << 62


def quota_key(prefix: str) -> str:
    return f"{prefix}:line:quota"


async def read_quota(redis: Redis, key: str) -> QuotaView | None:
    """The month's quota as the last reading left it in the store (None: never read)."""
    raw = await redis.hgetall(key)
    if not raw:
        return None
    values = {k.decode() if isinstance(k, bytes) else k: int(v) for k, v in raw.items()}
    return QuotaView(bool(values.get("limited")), values.get("limit", 0), values.get("used", 0))


class Quota:
    """The month's pushes, shared by the instances through the store."""

    def __init__(self, api: AsyncMessagingApi, redis: Redis, prefix: str,
                 reserve: int) -> None:
        self.api = api
        self.redis = redis
        self.key = quota_key(prefix)
        self.reserve = reserve
        self.read_at = 0.0
        self.priority_only_said = False

    async def refresh(self, force: bool = False) -> None:
        if not force and time.monotonic() - self.read_at < QUOTA_READ_EVERY:
            return
        self.read_at = time.monotonic()
        try:
            quota = await self.api.get_message_quota()
            used = await self.api.get_message_quota_consumption()
        except (ApiException, OSError) as exc:
            log.info("line: the quota could not be read (%s); the last reading stands", exc)
            return
        limited = quota.type == "limited"
        await self.redis.hset(self.key, mapping={
            "limited": int(limited), "limit": int(quota.value or 0),
            "used": int(used.total_usage or 0)})

    async def view(self) -> QuotaView | None:
        return await read_quota(self.redis, self.key)

    async def spend(self, count: int) -> None:
        await self.redis.hincrby(self.key, "used", count)

    async def spent_out(self) -> None:
        """LINE said "monthly limit": nothing more goes until a reading says otherwise."""
        view = await self.view()
        await self.redis.hset(self.key, mapping={"limited": 1,
                                                 "used": view.limit if view else 0})

    async def allows(self, cost: int, priority: bool) -> bool:
        await self.refresh()
        view = await self.view()
        if view is None or not view.limited:
            return True
        if view.remaining < cost:
            return False
        if view.remaining - cost < self.reserve and not priority:
            if not self.priority_only_said:
                log.warning("line: %d of %d pushes used this month; only priority alerts "
                            "(FOMC decisions) still go", view.used, view.limit)
                self.priority_only_said = True
            return False
        self.priority_only_said = False
        return True


async def priority_only(redis: Redis, prefix: str, reserve: int) -> QuotaView | None:
    """The quota when only priority alerts still go (for /status), else None."""
    view = await read_quota(redis, quota_key(prefix))
    return view if view is not None and view.limited and view.remaining < reserve else None


# charts as image messages ------------------------------------------------------------------
def media_signature(secret: str, path: str, expires: int) -> str:
    return hmac.new(secret.encode(), f"{path}|{expires}".encode(),
                    hashlib.sha256).hexdigest()[:32]


def media_url(public_url: str, secret: str, event_key: str, name: str,
              now: float | None = None) -> str:
    """A URL the listener serves the chart at, signed and valid for a week."""
    expires = int((now or time.time()) + MEDIA_TTL)
    path = f"{quote(event_key, safe='')}/{quote(name, safe='')}"
    return (f"{public_url}/line/media/{path}?exp={expires}"
            f"&sig={media_signature(secret, path, expires)}")


def media_allowed(secret: str, event_key: str, name: str, expires: str, signature: str,
                  now: float | None = None) -> bool:
    path = f"{quote(unquote(event_key), safe='')}/{quote(unquote(name), safe='')}"
    if not expires.isdigit() or int(expires) < (now or time.time()):
        return False
    return hmac.compare_digest(media_signature(secret, path, int(expires)), signature)
