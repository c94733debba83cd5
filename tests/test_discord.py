"""Discord: the transport against a local REST stand-in, the localized command tree, and the
command layer with Discord's invocations."""

import asyncio
import logging

import discord
import pytest
from pydantic import SecretStr

from bot.commands.core import Invocation
from bot.domain.chats import ChatKind, ChatRef, Language
from bot.platforms.discord.front import WEBHOOK_URL, CatalogTranslator, build_tree
from bot.platforms.discord.sender import DiscordTransport, WebhookTransport, embeds_for
from tests.discord_standin import DiscordStandIn
from tests.helpers import delivering, fomc_event, wait_for
from tests.servers import LocalServer

CHANNEL, GONE_CHANNEL, LOST_CHANNEL = "880000000000000001", "880000000000000002", \
    "880000000000000003"
WEBHOOK_ID, WEBHOOK_TOKEN = "870000000000000001", "hooktoken-" + "x" * 40


@pytest.fixture
async def discord_api():
    standin = DiscordStandIn()
    original = discord.http.Route.BASE
    async with LocalServer(standin.app()) as server:
        yield standin, server.url + "/api/v10"
    discord.http.Route.BASE = original


async def add(services, ref, kind=ChatKind.GROUP, language=Language.BOTH, **extra):
    await services.registry.upsert_chat(ref, kind, language=language)
    await services.registry.subscribe(ref, "fomc")
    if extra.get("secret"):
        await services.registry.set_secret(ref, extra["secret"])
    if extra.get("configured_by"):
        await services.registry.set_configured_by(ref, extra["configured_by"])


async def deliver_all(services, transport, until, timeout=15):
    async with delivering(services, transport):
        await wait_for(until, timeout)


async def test_channel_deliveries_429_and_gone(services, discord_api):
    standin, api = discord_api
    await add(services, ChatRef("discord", CHANNEL), language=Language.BOTH)
    await add(services, ChatRef("discord", GONE_CHANNEL), configured_by="123456789012345678")
    await add(services, ChatRef("discord", LOST_CHANNEL))
    standin.forbidden.add(GONE_CHANNEL)
    standin.unknown.add(LOST_CHANNEL)
    standin.rate_limit_next = 1  # the first post is rate limited and must be waited out
    await services.publisher.publish(fomc_event())
    transport = DiscordTransport("token.discord.test", api)
    await deliver_all(services, transport, lambda: standin.to(CHANNEL))
    [post] = standin.to(CHANNEL)
    titles = [e["title"] for e in post.payload["embeds"]]
    assert titles[0].startswith("FOMC 會後聲明") and titles[1].startswith("FOMC statement")
    assert post.payload["embeds"][0]["color"] == 0x546E7A  # hold
    assert standin.rate_limited == 1
    assert not (await services.registry.get_chat(ChatRef("discord", GONE_CHANNEL))).active
    assert not (await services.registry.get_chat(ChatRef("discord", LOST_CHANNEL))).active
    assert (await services.registry.get_chat(ChatRef("discord", CHANNEL))).active
    # the member who configured the channel is told once, by DM
    dm = standin.dms.get("123456789012345678")
    assert dm and len(standin.to(dm)) == 1 and "發文" in standin.to(dm)[0].payload["content"]


async def test_webhook_delivery_keeps_the_token_secret(services, discord_api, caplog):
    standin, api = discord_api
    ref = ChatRef("webhook", WEBHOOK_ID)
    await add(services, ref, language=Language.EN, secret=WEBHOOK_TOKEN)
    gone = ChatRef("webhook", "870000000000000002")
    await add(services, gone, secret="othertoken-" + "y" * 40)
    standin.unknown.add("870000000000000002")
    await services.publisher.publish(fomc_event())
    from bot.logs import install_masking

    install_masking()  # what `fedalert run` installs: masking for every handler
    with caplog.at_level(logging.DEBUG):
        await deliver_all(services, WebhookTransport(api),
                          lambda: any("webhooks" in p.path for p in standin.posts))
        await asyncio.sleep(0.3)
    [post] = [p for p in standin.posts if "webhooks" in p.path]
    assert post.payload["embeds"][0]["title"].startswith("FOMC statement")
    assert not (await services.registry.get_chat(gone)).active
    assert WEBHOOK_TOKEN not in caplog.text and "othertoken" not in caplog.text
    chat = await services.registry.get_chat(ref)
    assert WEBHOOK_TOKEN not in repr(chat)


async def test_chart_is_an_attachment_shown_in_the_embed(discord_api):
    standin, api = discord_api
    from bot.domain.chats import Chat
    from bot.render.message import AlertMessage, Section

    transport = DiscordTransport("token.discord.test", api)
    await transport.start()
    try:
        message = AlertMessage("h41:2025-04-16", "qt", (Section("zh-Hant", "資產負債表", ("x",)),),
                               attachment="h41.png")
        chat = Chat(ChatRef("discord", CHANNEL), ChatKind.GROUP, Language.ZH_HANT, "Asia/Taipei")
        await transport.deliver(chat, message, b"\x89PNG\r\n")
    finally:
        await transport.close()
    [post] = standin.to(CHANNEL)
    assert post.files == 1
    assert post.payload["embeds"][0]["image"]["url"] == "attachment://chart.png"
    assert post.payload["embeds"][0]["color"] == 0xEF6C00  # QT


def test_embeds_have_a_colour_per_kind():
    from bot.render.message import AlertMessage, Section

    for style, colour in (("cut", 0x2E7D32), ("hike", 0xC62828), ("price_down", 0xE53935),
                          ("qe", 0x00897B)):
        [embed] = embeds_for(AlertMessage("k", style, (Section("en", "t", ("l",)),)), False)
        assert embed.colour.value == colour


# The command tree ---------------------------------------------------------------------
async def test_every_slash_command_is_localized(services):
    client = discord.Client(intents=discord.Intents.none())

    async def handle(*_):
        return None

    tree = build_tree(client, handle, services.catalog.directory,
                      services.commands().table)
    translator = CatalogTranslator()
    await tree.set_translator(translator)
    names = {c.name for c in tree.get_commands()}
    assert names >= {"subscribe", "unsubscribe", "lang", "alert", "alerts", "delalert",
                     "status", "fomc", "balance", "odds", "btc", "settings", "stop", "webhook"}
    for command in tree.get_commands():
        payload = await command.get_translated_payload(tree, translator)
        zh_name = payload.get("name_localizations", {}).get("zh-TW")
        zh_description = payload.get("description_localizations", {}).get("zh-TW")
        assert zh_name and zh_name != command.name, command.name
        assert zh_description and zh_description != payload["description"], command.name
        assert len(payload["description"]) <= 100 and len(zh_description) <= 100
        for option in payload.get("options", []):
            assert option.get("description_localizations", {}).get("zh-TW"), \
                (command.name, option["name"])
            assert option.get("name_localizations", {}).get("zh-TW"), \
                (command.name, option["name"])
            for choice in option.get("choices", []):
                assert choice.get("name_localizations", {}).get("zh-TW"), \
                    (command.name, choice["name"])
    subscribe = await tree.get_command("subscribe").get_translated_payload(tree, translator)
    assert subscribe["name_localizations"]["zh-TW"] == "訂閱"
    assert int(subscribe["default_member_permissions"]) == 32  # Manage Server
    topic = subscribe["options"][0]
    assert {c["name_localizations"]["zh-TW"] for c in topic["choices"]} >= {
        "FOMC 利率決策", "比特幣價格提醒"}
    status = await tree.get_command("status").get_translated_payload(tree, translator)
    assert status.get("default_member_permissions") is None  # reading is for everyone


def test_webhook_urls():
    assert WEBHOOK_URL.match("https://discord.com/api/webhooks/870000000000000001/" + "a" * 68)
    assert WEBHOOK_URL.match("https://discordapp.com/api/v10/webhooks/870000000000000001/abc-"
                             + "d" * 30)
    assert not WEBHOOK_URL.match("https://evil.example/api/webhooks/1/2")


# The command layer with Discord's invocations ---------------------------------------------
GUILD_CHANNEL = ChatRef("discord", "880000000000000010")


def guild(admin, locale="zh-TW"):
    return Invocation(GUILD_CHANNEL, ChatKind.GROUP, user_id="42", user_language=locale,
                      chat_language="zh-TW", is_admin=admin)


async def test_same_cases_as_telegram(services):
    commands = services.commands()
    dm = Invocation(ChatRef("discord", "880000000000000011"), ChatKind.PRIVATE, user_id="7",
                    user_language="en-US")
    await commands.run(dm, "start", [])
    assert (await services.registry.get_chat(dm.chat)).language is Language.EN
    reply = await commands.run(dm, "subscribe", ["btc"])
    assert reply.error is None
    reply = await commands.run(dm, "alert", ["below", "8萬"])
    assert reply.error is None and "#1" in reply.text
    assert (await commands.run(dm, "lang", ["klingon"])).error == "unknown_language"
    # a guild channel: the guild's language, Manage Server required to change it
    assert (await commands.run(guild(False), "start", [])).error == "not_admin"
    await commands.run(guild(True), "start", [])
    assert (await services.registry.get_chat(GUILD_CHANNEL)).language is Language.ZH_HANT
    refused = await commands.run(guild(False), "subscribe", ["fomc"])
    assert refused.error == "not_admin" and refused.ephemeral
    assert (await commands.run(guild(True), "subscribe", ["fomc"])).error is None
    assert (await commands.run(guild(False), "status", [])).error is None
    assert {spec.name for spec in commands.table} >= {"subscribe", "settings"}


async def test_webhook_goes_through_the_command_table(services, discord_api):
    from bot.platforms.discord.front import DiscordWebhooks

    standin, api_url = discord_api
    standin.webhook_guilds[WEBHOOK_ID] = "440000000000000001"
    webhooks = DiscordWebhooks(api_url)
    commands = services.commands()
    url = f"https://discord.com/api/webhooks/{WEBHOOK_ID}/" + "t" * 68

    def asked(admin=True, platform="discord", guild="440000000000000001"):
        return Invocation(ChatRef(platform, "880000000000000099"), ChatKind.GROUP,
                          user_id="77", user_language="en-US", is_admin=admin,
                          chat_title="alerts", webhooks=webhooks, space_id=guild)

    ref = ChatRef("webhook", WEBHOOK_ID)
    bad = await commands.run(asked(), "webhook", ["https://evil.example/api/webhooks/1/2"])
    assert bad.error == "invalid_webhook" and await services.registry.get_chat(ref) is None
    assert (await commands.run(asked(admin=False), "webhook", [url])).error == "not_admin"
    assert (await commands.run(asked(platform="telegram"), "webhook", [url])).error == \
        "unknown_command"
    # another server's admin holding this server's webhook URL cannot take it over
    stolen = await commands.run(asked(guild="440000000000000666"), "webhook", [url])
    assert stolen.error == "webhook_elsewhere" and await services.registry.get_chat(ref) is None
    unknown = "https://discord.com/api/webhooks/870000000000000009/" + "t" * 68
    assert (await commands.run(asked(), "webhook", [unknown])).error == "webhook_unreachable"
    saved = await commands.run(asked(), "webhook", [url])
    assert saved.error is None and "t" * 20 not in saved.text and WEBHOOK_ID[-4:] in saved.text
    chat = await services.registry.get_chat(ref)
    assert chat.secret == "t" * 68 and chat.configured_by == "77"
    assert chat.topics == set(services.catalog.directory.names)
    # the webhook's own settings change through the same command
    assert (await commands.run(asked(), "webhook", [url, "fomc", "lang:en"])).error is None
    chat = await services.registry.get_chat(ref)
    assert chat.topics == {"fomc"} and chat.language is Language.EN
    await commands.run(asked(), "webhook", [url, "remove"])
    assert await services.registry.get_chat(ref) is None


async def test_subscribe_without_start_and_a_bad_expiry_is_named(services):
    commands = services.commands()
    channel = Invocation(ChatRef("discord", "880000000000000123"), ChatKind.GROUP,
                         user_id="7", user_language="en-US", chat_language="en-US",
                         is_admin=True, chat_title="macro")
    assert (await commands.run(channel, "subscribe", ["btc"])).error is None
    chat = await services.registry.get_chat(channel.chat)
    assert chat.topics == {"btc"} and chat.language is Language.BOTH  # not English only
    bad = await commands.run(channel, "alert", ["below", "70000", "expires:soon"])
    assert bad.error == "invalid_duration" and "soon" in bad.text and "price" not in bad.text
    good = await commands.run(channel, "alert", ["below", "70000", "expires:7d"])
    assert good.error is None


async def test_the_gateway_url_can_be_set():
    from bot.platforms.discord.front import fixed_gateway

    class FakeHttp:
        async def request(self, route):
            assert route.path == "/gateway/bot"
            return {"shards": 1, "url": "wss://gateway.discord.gg",
                    "session_start_limit": {"total": 1000, "remaining": 999}}

    shards, url, limits = await fixed_gateway(FakeHttp(), "ws://127.0.0.1:9999")
    assert (shards, url, limits["remaining"]) == (1, "ws://127.0.0.1:9999", 999)


async def test_a_thread_is_a_target_of_its_own(services, discord_api):
    """A slash command inside a thread comes with the thread's id as its channel: the
    thread gets its own settings; a deleted thread is deactivated alone."""
    standin, api = discord_api
    commands = services.commands()
    parent = Invocation(ChatRef("discord", CHANNEL), ChatKind.GROUP, user_id="42",
                        user_language="zh-TW", chat_language="zh-TW", is_admin=True)
    thread = Invocation(ChatRef("discord", LOST_CHANNEL), ChatKind.GROUP, user_id="42",
                        user_language="en-US", chat_language="zh-TW", is_admin=True)
    for inv in (parent, thread):
        await commands.run(inv, "start", [])
        await commands.run(inv, "subscribe", ["fomc"])
    await commands.run(thread, "lang", ["en"])
    assert (await services.registry.get_chat(thread.chat)).language is Language.EN
    assert (await services.registry.get_chat(parent.chat)).language is not Language.EN
    standin.unknown.add(LOST_CHANNEL)  # the thread was deleted
    await services.publisher.publish(fomc_event())
    await deliver_all(services, DiscordTransport("token.discord.test", api),
                      lambda: standin.to(CHANNEL))
    assert (await services.registry.get_chat(parent.chat)).active
    assert not (await services.registry.get_chat(thread.chat)).active


@pytest.fixture
async def discord_front(services, discord_api):
    """The Discord front end as `fedalert run` starts it, through discord.py's real client
    against the stand-in's REST API and gateway (`discord.gateway_url`)."""
    from bot.platforms.discord.front import DiscordFrontEnd

    standin, api = discord_api
    root = api.removesuffix("/api/v10")
    gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord_settings = services.settings.discord.model_copy(update={
        "token": SecretStr("token.discord.test"), "api_url": api,
        "gateway_url": root.replace("http://", "ws://") + "/gateway"})
    settings = services.settings.model_copy(update={"discord": discord_settings})
    front = DiscordFrontEnd(settings, services.commands(), services.catalog.directory,
                            services.state)
    stop = asyncio.Event()
    task = asyncio.create_task(front.run(stop))
    try:
        await asyncio.wait_for(standin.ready.wait(), 10)
        yield standin, front
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway


async def test_the_configured_gateway_is_the_one_dialled(discord_front):
    """`FEDALERT_DISCORD__GATEWAY_URL` takes effect with the installed discord.py: the
    client identifies on the stand-in's gateway and syncs its commands there."""
    standin, _ = discord_front
    assert standin.identified and standin.identified[0]["token"] == "token.discord.test"
    assert {"help", "subscribe", "alert"} <= {c["name"] for c in standin.synced}


async def test_a_slash_command_through_the_gateway_is_answered(discord_front):
    standin, _ = discord_front
    asked = await standin.interact("help", channel=CHANNEL, user="700000000000000001",
                                   guild="860000000000000001")
    await wait_for(lambda: standin.answer_to(asked) is not None)
    answer = standin.answer_to(asked)
    assert answer["type"] == 4 and answer["data"]["content"].strip()


async def test_fifteen_members_at_once_are_fifteen_answers(discord_front):
    """After a decision fifteen members of one channel ask /help at once: each is
    answered (the limit counts members, not the channel); a member who floods gets
    answers that say so, never an empty one ("This interaction failed")."""
    standin, _ = discord_front
    guild = "860000000000000001"
    asked = [await standin.interact("help", channel=CHANNEL, guild=guild,
                                    user=f"70000000000000{n:04d}") for n in range(15)]
    await wait_for(lambda: all(standin.answer_to(i) for i in asked))
    answers = [standin.answer_to(i)["data"] for i in asked]
    assert all(a["content"].strip() and "指令過多" not in a["content"] for a in answers)
    assert all(a["flags"] & 64 for a in answers)  # ephemeral: only the caller sees it
    flood = [await standin.interact("help", channel=CHANNEL, guild=guild,
                                    user="709999999999999999") for _ in range(14)]
    await wait_for(lambda: all(standin.answer_to(i) for i in flood))
    texts = [standin.answer_to(i)["data"]["content"] for i in flood]
    assert all(text.strip() for text in texts)
    assert sum("指令過多" in text for text in texts) >= 3


async def test_brief_and_liquidity_with_their_options_through_the_gateway(discord_front):
    """The slash commands generated from the command declarations take their typed
    options on Discord as the text commands take words on Telegram: a morning brief at
    08:00 and off again, a liquidity rule "rrp below 100b"."""
    standin, _ = discord_front
    guild, admin = "860000000000000001", "700000000000000009"

    async def ask(command, options=()):
        asked = await standin.interact(command, list(options), channel=CHANNEL, user=admin,
                                       guild=guild, locale="en-US")
        await wait_for(lambda: standin.answer_to(asked) is not None)
        return standin.answer_to(asked)["data"]["content"]

    await ask("start")
    brief = await ask("brief", [{"name": "time", "type": 3, "value": "08:00"},
                                {"name": "changes", "type": 5, "value": True}])
    assert "every day at 08:00" in brief and "skipped" in brief, brief
    off = await ask("brief", [{"name": "time", "type": 3, "value": "off"}])
    assert "brief off" in off.lower(), off
    rule = await ask("liquidity", [{"name": "metric", "type": 3, "value": "rrp"},
                                   {"name": "test", "type": 3, "value": "below"},
                                   {"name": "amount", "type": 3, "value": "100b"}])
    assert "#1" in rule and "100" in rule, rule
    both = await ask("settings", [{"name": "timezone", "type": 3, "value": "Asia/Tokyo"},
                                  {"name": "quiet_hours", "type": 3, "value": "23:00-07:00"}])
    assert "Asia/Tokyo" in both and "23:00-07:00" in both, both
    # the macro topic's command, generated from its declaration like the core's
    latest = await ask("macro", [{"name": "release", "type": 3, "value": "cpi"}])
    assert "No macro release has been read yet" in latest, latest
    preview = await ask("macro", [{"name": "release", "type": 3, "value": "preview"},
                                  {"name": "switch", "type": 3, "value": "on"}])
    assert "Release previews on" in preview, preview
    week = await ask("calendar")
    assert "The next 7 days (Tokyo time)" in week and "未來 7 天" in week, week


async def test_the_note_is_a_reply_to_its_decision(services, discord_api):
    from datetime import date
    from decimal import Decimal

    from bot.store.threads import SentMessages
    from bot.topics.fomc.events import NoteFollowUp, NoteRates

    standin, api = discord_api
    await add(services, ChatRef("discord", CHANNEL))
    decision = fomc_event()
    note = NoteFollowUp(occurred_at=decision.occurred_at, meeting_date=decision.meeting_date,
                        rates=NoteRates(iorb=Decimal("4.40"), effective=date(2025, 3, 20)),
                        url="https://www.federalreserve.gov/x.htm")
    transport = DiscordTransport("token.discord.test", api,
                                 threads=SentMessages(services.redis,
                                                      services.settings.key_prefix))
    async with delivering(services, transport):
        await services.publisher.publish(decision)
        await wait_for(lambda: len(standin.to(CHANNEL)) == 1)
        await services.publisher.publish(note)
        await wait_for(lambda: len(standin.to(CHANNEL)) == 2)
    first, second = standin.to(CHANNEL)
    assert "message_reference" not in first.payload
    reference = second.payload["message_reference"]
    assert int(reference["message_id"]) > 0
    assert reference.get("fail_if_not_exists") is False
