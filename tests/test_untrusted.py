"""Untrusted input: pages that redirect elsewhere, huge or slow answers, feed items that
point off the Fed's site. Each gives no alert, a clear error, and no stall."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from aiohttp import web

from bot.topics.fomc.watcher import FomcWatcher, localize_items
from bot.topics.http import ResponseRefused, get_bounded, hosts_of
from tests.servers import LocalServer, fed_fixture

STATEMENT = "/newsevents/pressreleases/monetary20250319a.htm"


def app_with(routes: dict[str, web.StreamResponse | object]) -> web.Application:
    app = web.Application()
    for path, handler in routes.items():
        app.router.add_get(path, handler)  # type: ignore[arg-type]
    return app


async def test_a_redirect_to_another_host_is_refused():
    async def moved(request):
        port = request.url.port
        raise web.HTTPFound(f"http://localhost:{port}/elsewhere")

    async def elsewhere(request):
        return web.Response(body=fed_fixture("monetary20250319a.htm"),
                            content_type="text/html")

    async with LocalServer(app_with({STATEMENT: moved, "/elsewhere": elsewhere})) as server, \
            httpx.AsyncClient(follow_redirects=True) as client:
        with pytest.raises(ResponseRefused, match="answered from localhost"):
            await get_bounded(client, server.url + STATEMENT,
                              allowed_hosts=hosts_of(server.url))


async def test_a_huge_page_is_cut_off_without_stalling_the_loop():
    async def huge(request):
        response = web.StreamResponse()
        await response.prepare(request)
        chunk = b"<p>" + b"x" * 65_000 + b"</p>"
        for _ in range(800):  # ~50 MB if read to the end
            await response.write(chunk)
        return response

    worst_gap = 0.0

    async def heartbeat():
        nonlocal worst_gap
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            worst_gap = max(worst_gap, now - last)
            last = now

    async with LocalServer(app_with({STATEMENT: huge})) as server, httpx.AsyncClient() as client:
        beat = asyncio.create_task(heartbeat())  # after the client loaded its certificates
        started = time.monotonic()
        with pytest.raises(ResponseRefused, match="over"):
            await get_bounded(client, server.url + STATEMENT)
        elapsed = time.monotonic() - started
        beat.cancel()
    # cut off after the cap, never read to the end, and the loop never held 100 ms
    assert elapsed < 5 and worst_gap < 0.1, (elapsed, worst_gap)


async def test_a_slow_peer_meets_the_deadline():
    async def dribble(request):
        response = web.StreamResponse()
        await response.prepare(request)
        for _ in range(100):
            await response.write(b"<")
            await asyncio.sleep(0.1)
        return response

    async with LocalServer(app_with({"/feed": dribble})) as server, \
            httpx.AsyncClient(timeout=5.0) as client:
        started = time.monotonic()
        with pytest.raises(ResponseRefused, match="took over"):
            await get_bounded(client, server.url + "/feed", deadline=1.0)
        assert time.monotonic() - started < 3


def test_feed_items_off_the_fed_site_are_dropped():
    items = [{"guid": "a", "link": "https://www.federalreserve.gov/newsevents/pressreleases/"
                                  "monetary20250319a.htm"},
             {"guid": "b", "link": "https://evil.example/monetary20250319a.htm"}]
    kept = localize_items(items, "http://127.0.0.1:9")
    assert [item["guid"] for item in kept] == ["a"]
    assert kept[0]["link"].startswith("http://127.0.0.1:9/newsevents/")


async def test_the_watcher_gives_no_alert_for_a_redirected_statement(services):
    async def moved(request):
        raise web.HTTPFound(f"http://localhost:{request.url.port}/elsewhere")

    async def elsewhere(request):
        return web.Response(body=fed_fixture("monetary20250319a.htm"),
                            content_type="text/html")

    async with LocalServer(app_with({STATEMENT: moved, "/elsewhere": elsewhere})) as server:
        services.settings = services.settings.model_copy(update={
            "fed": services.settings.fed.model_copy(update={"base_url": server.url})})
        async with httpx.AsyncClient(follow_redirects=True) as client:
            watcher = FomcWatcher(services.topic, client=client)
            with pytest.raises(ResponseRefused):
                await watcher.announce_from_statement_url(__import__("datetime").date(2025, 3, 19))
    assert watcher.published == []


@pytest.mark.parametrize("secret", [None, ""])
async def test_telegram_webhook_needs_the_secret_and_listens_on_loopback(services, secret):
    """A forged update without the secret is refused; the derived secret is accepted. An
    empty secret setting is no secret (derived too), and a body past the limit is not
    read."""
    import socket

    from pydantic import SecretStr

    from bot.config import TelegramSettings
    from bot.platforms.telegram.front import TelegramFrontEnd
    from tests.telegram_standin import TOKEN, TelegramStandIn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    standin = TelegramStandIn()
    async with LocalServer(standin.app()) as server:
        telegram = TelegramSettings(token=SecretStr(TOKEN), api_url=server.url, mode="webhook",
                                    webhook_url="https://bot.example.com/telegram",
                                    webhook_port=port, webhook_secret=secret)
        assert telegram.webhook_listen == "127.0.0.1" and telegram.webhook_secret is not None
        settings = services.settings.model_copy(update={"telegram": telegram})
        front = TelegramFrontEnd(settings, services.commands(), services.registry)
        stop = asyncio.Event()
        task = asyncio.create_task(front.run(stop))
        try:
            for _ in range(300):
                if front.app is not None and front.app.updater and front.app.updater.running:
                    break
                await asyncio.sleep(0.05)
            assert front.app is not None and front.app.updater.running
            update = {"update_id": 1, "message": {
                "message_id": 1, "date": 1, "text": "/stop",
                "chat": {"id": 501, "type": "private", "first_name": "A"},
                "from": {"id": 501, "is_bot": False, "first_name": "A"},
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}]}}
            url = f"http://127.0.0.1:{port}/telegram"
            async with httpx.AsyncClient() as client:
                for _ in range(100):  # the updater says "running" a moment before it listens
                    try:
                        forged = await client.post(url, json=update)
                        break
                    except httpx.ConnectError:
                        await asyncio.sleep(0.05)
                real = await client.post(url, json=update, headers={
                    "X-Telegram-Bot-Api-Secret-Token": telegram.webhook_secret.get_secret_value()})
                huge = b'{"update_id": 2, "padding": "' + b"x" * (3 * 1024 * 1024) + b'"}'
                try:  # read no further than the limit: refused, the connection closed
                    oversized = (await client.post(url, content=huge, headers={
                        "Content-Type": "application/json",
                        "X-Telegram-Bot-Api-Secret-Token":
                            telegram.webhook_secret.get_secret_value()})).status_code
                except httpx.HTTPError:
                    oversized = None
            assert forged.status_code == 403
            assert real.status_code == 200
            assert oversized != 200
        finally:
            stop.set()
            await asyncio.wait_for(task, 15)
