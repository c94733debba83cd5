"""Apprise outputs end to end: targets from the settings registered as chats, alerts through
the outbox and Apprise's real json:// plugin to a local server; a failing target is one
log line, never a traceback."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.app import build_services, build_transports, register_fixed_chats
from bot.config import load_settings
from bot.domain.chats import ChatRef
from tests.helpers import delivering, fomc_event, wait_for
from tests.servers import LocalServer


async def test_alerts_reach_apprise_targets_by_topic_and_language(settings, redis, caplog):
    received: list[dict] = []

    async def hook(request: web.Request) -> web.Response:
        received.append({"path": request.path, **(await request.json())})
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/{name}", hook)
    async with LocalServer(app) as server:
        port = server.url.rsplit(":", 1)[1]
        configured = load_settings(
            redis_url=settings.redis_url.get_secret_value(), key_prefix=settings.key_prefix,
            partitions=settings.partitions, apprise={"targets": [
                {"url": f"json://127.0.0.1:{port}/desk", "topics": ["fomc"],
                 "language": "en", "name": "desk"},
                {"url": f"json://127.0.0.1:{port}/btc-only", "topics": ["btc"],
                 "name": "btc"},
                {"url": "json://127.0.0.1:9/nowhere", "topics": ["fomc"], "name": "down"},
                {"url": f"json://127.0.0.1:{port}/taipei", "topics": ["fomc", "nosuch"],
                 "language": "zh-Hant", "name": "taipei"}]})
        services = build_services(configured, redis)
        with caplog.at_level(logging.WARNING):
            refs = await register_fixed_chats(configured, services.registry)
        assert {r.chat_id for r in refs} == {"desk", "btc", "down", "taipei"}
        assert any("unknown topics nosuch" in r.getMessage() for r in caplog.records)
        [transport] = [t for t in build_transports(configured, redis)
                       if t.platform == "apprise"]
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            async with delivering(services, transport):
                await services.publisher.publish(fomc_event())
                await services.publisher.publish(fomc_event("2025-05-07"))
                await wait_for(lambda: len(received) == 4)
        paths = sorted(item["path"] for item in received)
        assert paths == ["/desk", "/desk", "/taipei", "/taipei"]
        desk = next(item for item in received if item["path"] == "/desk")
        assert "4.25%–4.50%" in desk["message"] and "FOMC" in desk["title"]
        assert "attachments" not in desk or not desk["attachments"]  # no chart in a decision
        taipei = next(item for item in received if item["path"] == "/taipei")
        assert "聯準會" in taipei["message"] and "held rates" not in taipei["message"]
        # a chart goes along where the target takes files
        from bot.render.message import AlertMessage, Section

        chat = await services.registry.get_chat(ChatRef("apprise", "desk"))
        chart = AlertMessage("h41:2025-04-16", "qt", (Section("en", "Balance sheet", ("x",)),),
                             attachment="h41-2025-04-16.en.png")
        await transport.deliver(chat, chart, b"\x89PNG fake")
        attached = received[-1].get("attachments") or []
        assert attached and attached[0].get("filename") == "h41-2025-04-16.en.png"
    down = [r for r in caplog.records if "apprise target down failing" in r.getMessage()]
    assert len(down) == 1 and not any(r.exc_info for r in caplog.records)
    assert "json://" not in caplog.text  # target URLs hold tokens
    # a target removed from the settings stops receiving
    fewer = configured.model_copy(update={"apprise": configured.apprise.model_copy(
        update={"targets": configured.apprise.targets[:1]})})
    await register_fixed_chats(fewer, services.registry)
    chat = await services.registry.get_chat(ChatRef("apprise", "btc"))
    assert chat is not None and not chat.active
