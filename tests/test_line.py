"""LINE end to end through line-bot-sdk against a local Messaging API stand-in: the signed
webhook, commands answered by reply, alerts by push with a retry key, the monthly quota."""

from __future__ import annotations

import asyncio
import uuid

import aiohttp
import pytest

from bot.app import build_front_ends, build_services
from bot.config import load_settings
from bot.domain.chats import ChatKind, ChatRef
from bot.platforms.line.api import media_allowed, media_url
from bot.platforms.line.sender import LineTransport
from tests.helpers import delivering, fomc_event, wait_for
from tests.line_standin import SECRET, TOKEN, LineStandin, sign, text_event, webhook_body
from tests.servers import LocalServer


@pytest.fixture
async def line(settings, redis):
    standin = LineStandin()
    async with LocalServer(standin.app()) as server:
        configured = load_settings(
            redis_url=settings.redis_url.get_secret_value(), key_prefix=settings.key_prefix,
            partitions=settings.partitions,
            line={"channel_secret": SECRET, "access_token": TOKEN, "api_url": server.url,
                  "webhook_listen": "127.0.0.1:0", "public_url": "https://bot.example.org"})
        yield standin, build_services(configured, redis)


class Listening:
    def __init__(self, services):
        [self.front] = [f for f in build_front_ends(services) if f.platform == "line"]
        self.stop = asyncio.Event()

    async def __aenter__(self):
        self.task = asyncio.create_task(self.front.run(self.stop))
        await wait_for(lambda: self.front.port is not None)
        self.url = f"http://127.0.0.1:{self.front.port}/line/webhook"
        self.http = aiohttp.ClientSession()
        return self

    async def post(self, body: bytes, signature: str | None = None) -> int:
        headers = {"x-line-signature": signature if signature is not None else sign(body),
                   "Content-Type": "application/json"}
        async with self.http.post(self.url, data=body, headers=headers) as response:
            return response.status

    async def say(self, standin, text, **kwargs) -> str:
        count = len(standin.replies)
        assert await self.post(webhook_body(text_event(text, **kwargs))) == 200
        await wait_for(lambda: len(standin.replies) > count)
        return standin.texts_to_reply()[-1]

    async def __aexit__(self, *exc):
        await self.http.close()
        self.stop.set()
        await asyncio.wait_for(self.task, 10)


async def test_commands_over_the_signed_webhook(line, caplog):
    standin, services = line
    standin.languages["Uen"] = "en"
    async with Listening(services) as hook:
        start = await hook.say(standin, "/start")
        assert "聯準會" in start or "fedalert" in start.lower()
        assert "Welcome" in start or "歡迎" in start
        assert "quickReply" in standin.replies[-1]["messages"][-1]  # language, topics
        subscribed = await hook.say(standin, "/subscribe fomc")
        assert "FOMC" in subscribed
        level = await hook.say(standin, "/alert below 8萬")
        assert "80,000" in level or "8 萬" in level
        week = await hook.say(standin, "/calendar")
        assert "未來 7 天" in week
        macro = await hook.say(standin, "/macro preview on")
        assert "已開啟數據預告" in macro
        english = await hook.say(standin, "/start", user="Uen")
        assert "Welcome" in english.split("\n\n")[0] or english.startswith("▍Welcome")
        # a bad signature changes nothing: no reply, no chat
        body = webhook_body(text_event("/subscribe btc", user="Umallory"))
        assert await hook.post(body, signature=sign(body, "wrong-secret")) == 401
        assert await hook.post(body, signature="") == 401
        # LINE's "Verify" button sends no events
        assert await hook.post(webhook_body()) == 200
        # a redelivered event is handled once
        event = text_event("/status", event_id="same-event")
        count = len(standin.replies)
        for _ in range(2):
            assert await hook.post(webhook_body(event)) == 200
        await wait_for(lambda: len(standin.replies) > count)
        await asyncio.sleep(0.3)
        assert len(standin.replies) == count + 1
    assert await services.registry.get_chat(ChatRef("line", "Umallory")) is None
    chat = await services.registry.get_chat(ChatRef("line", "Ualice"))
    assert chat is not None and "fomc" in chat.topics and chat.kind is ChatKind.PRIVATE
    assert standin.unauthorized == 0
    # every event was handled to the end (a handler's failure is logged, not raised)
    assert not [r for r in caplog.records if r.levelno >= 40], caplog.text


async def test_group_settings_for_members_unless_admins_are_named(line, settings, redis):
    standin, services = line
    async with Listening(services) as hook:
        await hook.say(standin, "/start", group="Cgroup", user="Ubob")
        reply = await hook.say(standin, "/subscribe btc", group="Cgroup", user="Ubob")
        assert "比特幣" in reply or "BTC" in reply
    chat = await services.registry.get_chat(ChatRef("line", "Cgroup"))
    assert chat is not None and chat.kind is ChatKind.GROUP and "btc" in chat.topics
    named = services.settings.model_copy(update={"line": services.settings.line.model_copy(
        update={"admins": ["Uadmin"]})})
    services.settings = named
    async with Listening(services) as hook:
        refused = await hook.say(standin, "/unsubscribe btc", group="Cgroup", user="Ubob")
        assert "管理員" in refused or "admin" in refused.lower()
    chat = await services.registry.get_chat(ChatRef("line", "Cgroup"))
    assert chat is not None and "btc" in chat.topics


async def test_alert_by_push_once_with_a_retry_key_and_the_quota(line):
    standin, services = line
    user, group = ChatRef("line", "Ualice"), ChatRef("line", "Cclub")
    standin.members["Cclub"] = 40
    for ref, kind in ((user, ChatKind.PRIVATE), (group, ChatKind.GROUP)):
        await services.registry.upsert_chat(ref, kind)
        await services.registry.subscribe(ref, "fomc", "h41")
    transport = LineTransport(services.settings, services.redis)
    async with delivering(services, transport):
        await services.publisher.publish(fomc_event())
        await wait_for(lambda: len(standin.pushes) == 2)
        # a retry of the same delivery (after a crash) carries the same key: LINE says 409
        chat = await services.registry.get_chat(user)
        message = services.catalog.renderers.message(fomc_event(), chat.language, chat.timezone)
        assert (await transport.deliver(chat, message, None)).__class__.__name__ == "Delivered"
    assert len(standin.pushes) == 2 and standin.refused == [409]
    keys = [k for k in standin.retry_keys if k]
    assert len(keys) == 2 and all(uuid.UUID(k) for k in keys)
    assert standin.used == 41  # a group costs its members
    assert "4.25%–4.50%" in standin.pushed_texts("Ualice")[0]


async def test_quota_keeps_the_last_pushes_for_priority_alerts(line):
    standin, services = line
    standin.quota, standin.used = 30, 5  # 25 left; the reserve is 20
    standin.members["Cbig"] = 10
    ref = ChatRef("line", "Cbig")
    await services.registry.upsert_chat(ref, ChatKind.GROUP)
    await services.registry.subscribe(ref, "fomc", "btc")
    transport = LineTransport(services.settings, services.redis)
    await transport.start()
    chat = await services.registry.get_chat(ref)
    from datetime import UTC, datetime
    from decimal import Decimal

    from bot.topics.btc.events import PriceCrossing

    btc = PriceCrossing(occurred_at=datetime(2025, 4, 6, 21, tzinfo=UTC), direction="below",
                        level=Decimal(80000), price=Decimal(79842), sources=("Binance", "OKX"),
                        crossing_id="1")  # not a priority alert
    plain = services.catalog.renderers.message(btc, chat.language, chat.timezone)
    refused = await transport.deliver(chat, plain, None)
    assert refused.__class__.__name__ == "Failed" and refused.permanent
    decision = services.catalog.renderers.message(fomc_event(), chat.language, chat.timezone)
    assert (await transport.deliver(chat, decision, None)).__class__.__name__ == "Delivered"
    # LINE's own "monthly limit" is never retried into
    standin.quota = standin.used
    other = services.catalog.renderers.message(fomc_event("2025-05-07"), chat.language,
                                               chat.timezone)
    transport.quota.read_at = 0
    await services.redis.delete(f"{services.settings.key_prefix}:line:quota")
    transport.quota.read_at = 1e18  # the transport has not read the new quota yet
    result = await transport.deliver(chat, other, None)
    assert result.__class__.__name__ == "Failed" and result.permanent
    assert standin.refused[-1] == 429
    await transport.close()


def test_chart_urls_are_signed_and_expire():
    url = media_url("https://bot.example.org", SECRET, "h41:2025-04-16", "h41.zh-Hant.png",
                    now=1000)
    path, query = url.split("/line/media/")[1].split("?")
    key, name = path.split("/")
    params = dict(part.split("=") for part in query.split("&"))
    assert media_allowed(SECRET, key, name, params["exp"], params["sig"], now=1000)
    assert not media_allowed(SECRET, key, name, params["exp"], params["sig"], now=10**10)
    assert not media_allowed("other", key, name, params["exp"], params["sig"], now=1000)
    assert not media_allowed(SECRET, key, "other.png", params["exp"], params["sig"], now=1000)


async def test_status_says_priority_only_and_charts_are_served_signed(line):
    standin, services = line
    standin.quota, standin.used = 100, 95
    transport = LineTransport(services.settings, services.redis)
    await transport.start()  # reads the quota into the store
    await transport.close()
    await services.records.save_attachment("h41:2025-04-16", "h41.zh-Hant.png", b"\x89PNG..")
    async with Listening(services) as hook:
        status = await hook.say(standin, "/status")
        assert "本月已用 95／100 則推播額度" in status, status
        url = media_url("https://bot.example.org", SECRET, "h41:2025-04-16", "h41.zh-Hant.png")
        local = url.replace("https://bot.example.org", f"http://127.0.0.1:{hook.front.port}")
        async with hook.http.get(local) as response:
            assert response.status == 200 and await response.read() == b"\x89PNG.."
        async with hook.http.get(local.replace("sig=", "sig=0")) as response:
            assert response.status == 403


async def test_a_refused_token_is_one_config_line_and_a_down_api_a_failure(line):
    from bot.platforms.base import Failed, RejectedCredentials

    standin, services = line
    wrong = services.settings.model_copy(update={"line": services.settings.line.model_copy(
        update={"access_token": __import__("pydantic").SecretStr("not-the-token")})})
    transport = LineTransport(wrong, services.redis)
    with pytest.raises(RejectedCredentials) as refused:
        await transport.start()
    assert "FEDALERT_LINE__ACCESS_TOKEN" in str(refused.value)
    assert "not-the-token" not in str(refused.value)
    await transport.close()
    standin.unauthorized = 0
    down = services.settings.model_copy(update={"line": services.settings.line.model_copy(
        update={"api_url": "http://127.0.0.1:9"})})
    transport = LineTransport(down, None)
    ref = ChatRef("line", "Ualice")
    await services.registry.upsert_chat(ref, ChatKind.PRIVATE)
    chat = await services.registry.get_chat(ref)
    message = services.catalog.renderers.message(fomc_event(), chat.language, chat.timezone)
    result = await transport.deliver(chat, message, None)
    assert isinstance(result, Failed) and not result.permanent
    await transport.close()
