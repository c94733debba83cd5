"""Telegram end to end: the real python-telegram-bot against a local stand-in of the Bot API.

Assertions are on the requests the stand-in received and on the registry in Redis.
"""

import asyncio
import contextlib
import itertools
import json
from datetime import UTC, datetime

import httpx
import pytest

from bot.domain.chats import Chat, ChatKind, ChatRef, Language, QuietHours
from bot.pipeline.deliver import DeliveryWorker
from bot.platforms.base import Delivered, Gone, Moved, RetryAfter
from bot.platforms.pacing import Pacer
from bot.platforms.telegram.front import TelegramFrontEnd
from bot.platforms.telegram.sender import TelegramTransport, bot_for
from bot.render.message import AlertMessage, Section
from tests.servers import FakeFed, LocalServer, fed_fixture
from tests.telegram_standin import TOKEN, TelegramStandIn

ALICE = {"id": 501, "is_bot": False, "first_name": "Alice", "language_code": "zh-hant"}
BOB = {"id": 502, "is_bot": False, "first_name": "Bob", "language_code": "en"}
ADMIN = {"id": 11, "is_bot": False, "first_name": "Admin", "language_code": "en"}
MEMBER = {"id": 12, "is_bot": False, "first_name": "Member", "language_code": "zh-TW"}
ANONYMOUS = {"id": 1087968824, "is_bot": True, "first_name": "Group",
             "username": "GroupAnonymousBot"}


def private(user):
    return {"id": user["id"], "type": "private", "first_name": user["first_name"]}


GROUP = {"id": -500, "type": "group", "title": "投資群"}


@pytest.fixture
async def telegram(services):
    standin = TelegramStandIn()
    async with LocalServer(standin.app()) as server:
        services.settings = services.settings.model_copy(update={
            "telegram": services.settings.telegram.model_copy(update={
                "token": __import__("pydantic").SecretStr(TOKEN), "api_url": server.url})})
        yield standin, services


@contextlib.asynccontextmanager
async def front_end_running(services):
    """The Telegram front end as ``fedalert run`` builds it (shared send budget), polling."""
    from bot.app import build_front_ends

    [front] = build_front_ends(services)
    stop = asyncio.Event()
    task = asyncio.create_task(front.run(stop))
    try:
        await until(lambda: front.app is not None and front.app.running)
        yield front
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def until(predicate, timeout=8.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def until_stored(check, timeout=8.0):
    """Wait until an async check of the store holds (instead of sleeping a fixed time)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


class Running:
    def __init__(self, services):
        self.front = TelegramFrontEnd(services.settings, services.commands(), services.registry)
        self.stop = asyncio.Event()
        self.services = services

    async def __aenter__(self):
        self.task = asyncio.create_task(self.front.run(self.stop))
        await until(lambda: self.front.app is not None and self.front.app.running)
        return self.front

    async def __aexit__(self, *exc):
        self.stop.set()
        await asyncio.wait_for(self.task, 10)


async def test_private_chat_start_language_subscribe_threshold(telegram):
    standin, services = telegram
    async with Running(services):
        await until(lambda: len(standin.sent("setMyCommands")) == 2)
        menus = {c.params.get("language_code"): c.params["commands"]
                 for c in standin.sent("setMyCommands")}
        assert {m["command"] for m in menus[None]} >= {"start", "alert", "stop"}
        zh_start = next(m for m in menus["zh"] if m["command"] == "start")
        assert "選擇語言" in zh_start["description"]

        standin.command(private(ALICE), ALICE, "/start")
        await until(lambda: standin.texts_to(501))
        welcome = standin.sent()[-1]
        assert "歡迎使用 fedalert" in welcome.params["text"]
        buttons = [b["callback_data"] for row in welcome.params["reply_markup"]["inline_keyboard"]
                   for b in row]
        assert "lang:en" in buttons and "topic:fomc" in buttons

        standin.press(private(ALICE), ALICE, "lang:both")
        await until(lambda: standin.sent("editMessageText"))
        assert standin.sent("answerCallbackQuery")
        standin.command(private(ALICE), ALICE, "/subscribe fomc btc")
        standin.command(private(ALICE), ALICE, "/alert below 80k")
        standin.command(private(ALICE), ALICE, "/alert below abc")
        await until(lambda: len(standin.texts_to(501)) >= 4)
    chat = await services.registry.get_chat(ChatRef("telegram", "501"))
    assert chat.language is Language.BOTH and chat.topics == {"fomc", "btc"}
    [threshold] = await services.registry.list_thresholds(ChatRef("telegram", "501"))
    assert threshold.level == 80000
    error_reply = standin.texts_to(501)[-1]
    assert "「abc」不是有效價格" in error_reply and "“abc” is not a price" in error_reply


async def test_group_admins_change_settings_others_are_refused(telegram):
    standin, services = telegram
    standin.members[(-500, 11)] = "administrator"
    standin.members[(-500, 12)] = "member"
    async with Running(services):
        standin.command(GROUP, MEMBER, "/start")
        await until(lambda: standin.texts_to(-500))
        assert "只有本群組的管理員" in standin.texts_to(-500)[-1]
        assert await services.registry.get_chat(ChatRef("telegram", "-500")) is None
        standin.command(GROUP, ADMIN, "/start@fedalert_test_bot")
        await until(lambda: len(standin.texts_to(-500)) >= 2)
        standin.command(GROUP, MEMBER, "/subscribe btc")
        await until(lambda: len(standin.texts_to(-500)) >= 3)
        assert "only the admins" in standin.texts_to(-500)[-1]
        # an anonymous admin posts as the group itself
        standin.command(GROUP, ANONYMOUS, "/subscribe fomc", sender_chat=GROUP)
        await until(lambda: len(standin.texts_to(-500)) >= 4)
        standin.command(GROUP, MEMBER, "/status")  # reading is open to everyone
        await until(lambda: len(standin.texts_to(-500)) >= 5)
        standin.command(GROUP, MEMBER, "/help@another_bot")  # for another bot: ignored
        await asyncio.sleep(0.5)
    chat = await services.registry.get_chat(ChatRef("telegram", "-500"))
    assert chat.kind is ChatKind.GROUP and chat.topics == {"fomc"}
    assert len(standin.texts_to(-500)) == 5
    assert any(c.params.get("user_id") in ("12", 12) for c in standin.sent("getChatMember"))


async def active(services, ref, expected):
    chat = await services.registry.get_chat(ref)
    return chat is not None and chat.active is expected


async def gone(services, ref):
    return await services.registry.get_chat(ref) is None


async def test_blocked_user_and_group_migration(telegram):
    standin, services = telegram
    async with Running(services):
        standin.command(private(BOB), BOB, "/start")
        await until(lambda: standin.texts_to(502))
        bob = ChatRef("telegram", "502")
        standin.member_change(private(BOB), BOB, "member", "kicked")
        await until_stored(lambda: active(services, bob, False))
        standin.member_change(private(BOB), BOB, "kicked", "member")  # unblocked
        await until_stored(lambda: active(services, bob, True))

        standin.members[(-500, 11)] = "administrator"
        standin.command(GROUP, ADMIN, "/start")
        standin.command(GROUP, ADMIN, "/subscribe odds")
        await until(lambda: len(standin.texts_to(-500)) >= 2)
        migration = {"message_id": 99, "date": 1, "chat": GROUP, "from": ADMIN,
                     "migrate_to_chat_id": -1001234567890}
        standin.push({"message": migration})
        await until_stored(lambda: gone(services, ChatRef("telegram", "-500")))
    assert await services.registry.get_chat(ChatRef("telegram", "-500")) is None
    moved = await services.registry.get_chat(ChatRef("telegram", "-1001234567890"))
    assert moved.topics == {"odds"} and moved.title == "投資群"


async def test_channel_subscribed_by_its_admin(telegram):
    standin, services = telegram
    channel = {"id": -1009000, "type": "channel", "title": "Macro TW", "username": "macrotw"}
    standin.chats["@macrotw"] = channel
    standin.members[(-1009000, 501)] = "creator"
    standin.members[(-1009000, 7000001)] = "administrator"
    async with Running(services):
        standin.command(private(ALICE), ALICE, "/start")
        standin.command(private(ALICE), ALICE, "/channel @macrotw weather")
        await until(lambda: len(standin.texts_to(501)) >= 2)
        assert "「weather」" in standin.texts_to(501)[-1]
        assert await services.registry.get_chat(ChatRef("telegram", "-1009000")) is None
        standin.command(private(ALICE), ALICE, "/channel @macrotw fomc h41")
        await until(lambda: len(standin.texts_to(501)) >= 3)
        standin.members[(-1009000, 502)] = "member"
        standin.command(private(BOB), BOB, "/channel @macrotw")
        await until(lambda: standin.texts_to(502))
    chat = await services.registry.get_chat(ChatRef("telegram", "-1009000"))
    assert chat.kind is ChatKind.CHANNEL and chat.topics == {"fomc", "h41"}
    assert "Macro TW" in standin.texts_to(501)[-1]
    assert "Only an admin of @macrotw" in standin.texts_to(502)[-1]


def alert(title="FOMC <statement> & more", lines=("4.25%–4.50%",)):
    return AlertMessage("fomc:2025-03-19", "hold",
                        (Section("en", title, lines, link="https://x/?a=1&b=2",
                                 link_label="Full"),))


async def test_delivery_maps_telegram_answers(telegram):
    standin, services = telegram
    standin.blocked.add(601)
    standin.missing.add(602)
    standin.migrated[-603] = -1000000603
    bot = bot_for(services.settings)
    transport = TelegramTransport(bot, Pacer(per_second=1000, private_per_second=1000,
                                             group_per_minute=100000))
    await transport.start()
    try:
        def chat(cid, kind=ChatKind.PRIVATE, **kw):
            return Chat(ChatRef("telegram", str(cid)), kind, Language.EN, "Asia/Taipei", **kw)

        assert isinstance(await transport.deliver(chat(600), alert(), None), Delivered)
        sent = standin.sent()[-1].params
        assert sent["parse_mode"] == "HTML"
        assert "<b>FOMC &lt;statement&gt; &amp; more</b>" in sent["text"]
        assert 'href="https://x/?a=1&amp;b=2"' in sent["text"]
        assert isinstance(await transport.deliver(chat(601), alert(), None), Gone)
        assert isinstance(await transport.deliver(chat(602), alert(), None), Gone)
        moved = await transport.deliver(chat(-603, ChatKind.GROUP), alert(), None)
        assert moved == Moved("-1000000603")
        # a long alert is split below 4096, a chart goes as a photo with a caption
        long_lines = tuple(f"line {i} " + "x" * 90 for i in range(120))
        await transport.deliver(chat(604), alert(lines=long_lines), None)
        parts = [c.params["text"] for c in standin.sent() if c.params["chat_id"] in ("604", 604)]
        assert len(parts) >= 3 and all(len(p) <= 4096 for p in parts)
        await transport.deliver(chat(605), alert(), b"\x89PNG fake")
        photo = standin.sent("sendPhoto")[-1].params
        assert "FOMC &lt;statement&gt;" in photo["caption"]
        quiet = chat(606, quiet_hours=QuietHours(datetime.min.time(),
                                                 datetime.max.time().replace(microsecond=0)))
        message = alert()
        message = AlertMessage(message.event_key, message.style, message.sections,
                               silent=quiet.is_quiet(datetime.now(UTC)))
        await transport.deliver(quiet, message, None)
        assert str(standin.sent()[-1].params.get("disable_notification")).lower() == "true"
    finally:
        await transport.close()


async def test_429_is_waited_out_by_that_chat_alone(telegram):
    standin, services = telegram
    standin.enforce_limits = True
    bot = bot_for(services.settings)
    transport = TelegramTransport(bot, Pacer(per_second=1000, private_per_second=1000,
                                             group_per_minute=1000))  # pacing off: we collide
    await transport.start()
    try:
        chat = Chat(ChatRef("telegram", "-700"), ChatKind.GROUP, Language.EN, "Asia/Taipei")
        results = []
        for _ in range(25):
            results.append(await transport.deliver(chat, alert(), None))
            if isinstance(results[-1], RetryAfter):
                break
    finally:
        await transport.close()
    retries = [r for r in results if isinstance(r, RetryAfter)]
    assert retries and retries[0].seconds >= 1 and not retries[0].pacing
    # one group's limit holds that group only: others are not paused
    assert transport.pacer._paused_until == 0
    assert transport.pacer.reserve("-700", group=True) < 0  # the group itself waits
    assert transport.pacer.reserve("-701", group=True) >= 0


def test_many_chats_refused_at_once_pause_every_send():
    now = [100.0]
    pacer = Pacer(clock=lambda: now[0])
    pacer.refused("-1", 5)
    pacer.refused("-2", 5)
    assert pacer._paused_until == 0
    pacer.refused("-3", 5)  # the overall limit, not one chat's
    assert pacer._paused_until == 105.0


async def test_worker_deactivates_blocked_and_follows_migrations(telegram):
    standin, services = telegram
    from tests.helpers import delivering, fomc_event

    standin.blocked.add(801)
    standin.migrated[-802] = -1000000802
    for cid, kind in ((800, ChatKind.PRIVATE), (801, ChatKind.PRIVATE), (-802, ChatKind.GROUP)):
        ref = ChatRef("telegram", str(cid))
        await services.registry.upsert_chat(ref, kind)
        await services.registry.subscribe(ref, "fomc")
    await services.publisher.publish(fomc_event())
    transport = TelegramTransport(bot_for(services.settings))
    async with delivering(services, transport, "t"):
        await until(lambda: standin.texts_to(800) and standin.texts_to(-1000000802))
    assert not (await services.registry.get_chat(ChatRef("telegram", "801"))).active
    assert await services.registry.get_chat(ChatRef("telegram", "-1000000802")) is not None
    assert len(standin.texts_to(-1000000802)) == 1


async def test_fomc_statement_reaches_every_chat_once_in_its_language(telegram):
    """A local server plays federalreserve.gov; at T0 it publishes the statement."""
    standin, services = telegram
    from bot.topics.fomc.watcher import FomcWatcher

    languages = {1001: Language.ZH_HANT, 1002: Language.EN, 1003: Language.BOTH,
                 -1004: Language.ZH_HANT}
    for cid, language in languages.items():
        ref = ChatRef("telegram", str(cid))
        await services.registry.upsert_chat(
            ref, ChatKind.PRIVATE if cid > 0 else ChatKind.GROUP, language=language)
        await services.registry.subscribe(ref, "fomc")
    fed = FakeFed(feed=fed_fixture("press_monetary_before.xml"), pages={
        "/newsevents/pressreleases/monetary20241218a.htm": fed_fixture("monetary20241218a.htm")})
    async with LocalServer(fed.app()) as fed_server, httpx.AsyncClient() as client:
        services.settings = services.settings.model_copy(update={
            "fed": services.settings.fed.model_copy(update={"base_url": fed_server.url})})
        watcher = FomcWatcher(services.topic, client=client,
                              clock=lambda: datetime(2025, 3, 19, 18, 0, 30, tzinfo=UTC))
        await watcher.announce_from_feed()
        transport = TelegramTransport.from_settings(services.settings)
        await transport.start()
        stop = asyncio.Event()
        worker = DeliveryWorker(services.outbox, services.registry, services.messages,
                                transport, "e2e")
        task = asyncio.create_task(worker.run(stop))
        try:
            fed.feed = fed_fixture("press_monetary_after.xml")  # T0
            fed.pages["/newsevents/pressreleases/monetary20250319a.htm"] = \
                fed_fixture("monetary20250319a.htm")
            await watcher.announce_from_feed()
            await until(lambda: all(standin.texts_to(c) for c in languages))
            await asyncio.sleep(0.5)
            await watcher.announce_from_feed()  # the next poll: nothing new
            await asyncio.sleep(0.5)
        finally:
            stop.set()
            await task
            await transport.close()
    for cid, language in languages.items():
        [text] = standin.texts_to(cid)
        has_zh, has_en = "聯準會宣布維持利率不變" in text, "The Fed held rates steady" in text
        assert (has_zh, has_en) == {Language.ZH_HANT: (True, False), Language.EN: (False, True),
                                    Language.BOTH: (True, True)}[language]


async def test_a_reply_with_a_chart_goes_the_way_alerts_go(telegram):
    """/balance answers with the alert and its chart through the same send path as the
    outbox (photo first; HTML as the alert is formatted)."""
    from tests.samples import samples

    standin, services = telegram
    event = samples()["h41_2025_04_16"]
    await services.records.save_event(event, {"chats": []})
    await services.records.save_attachment(event.key, f"{event.chart}.en.png", b"\x89PNG chart")
    await services.snapshots.set_latest_event("h41", event.key)
    async with Running(services):
        standin.command(private(ALICE), ALICE, "/start")
        standin.command(private(ALICE), ALICE, "/lang en")
        standin.command(private(ALICE), ALICE, "/balance")
        await until(lambda: standin.sent("sendPhoto"))
    photo = standin.sent("sendPhoto")[-1].params
    assert int(photo["chat_id"]) == 501 and photo.get("parse_mode") == "HTML"
    assert "<b>" in photo["caption"] or "<b>" in standin.texts_to(501)[-1]


async def test_a_command_reply_is_retried_after_a_server_error(telegram):
    standin, services = telegram
    async with Running(services):
        standin.fail_next = 2  # the Bot API stumbles twice
        standin.command(private(BOB), BOB, "/help")
        await until(lambda: standin.texts_to(502))
    assert "/subscribe" in standin.texts_to(502)[-1]


async def test_a_late_answer_is_not_sent_twice(telegram):
    """Telegram posted the message but answered after our read timeout: no second copy."""
    from telegram import Bot
    from telegram.request import HTTPXRequest

    standin, services = telegram
    api = services.settings.telegram.api_url
    bot = Bot(TOKEN, base_url=f"{api}/bot", base_file_url=f"{api}/file/bot",
              request=HTTPXRequest(read_timeout=0.3))
    transport = TelegramTransport(bot, Pacer(per_second=1000, private_per_second=1000))
    await transport.start()
    try:
        chat = Chat(ChatRef("telegram", "900"), ChatKind.PRIVATE, Language.EN, "Asia/Taipei")
        standin.delay_next = 1.0
        result = await transport.deliver(chat, alert(), None)
    finally:
        await transport.close()
    assert isinstance(result, Delivered)
    assert len(standin.texts_to(900)) == 1


FORUM = {"id": -1001234, "type": "supergroup", "title": "論壇", "is_forum": True}


async def test_forum_topics_are_targets_of_their_own(telegram):
    """/subscribe inside a forum topic delivers there, each topic with its own settings; a
    deleted topic deactivates that topic only."""
    standin, services = telegram
    from tests.helpers import delivering, fomc_event

    standin.members[(-1001234, 11)] = "administrator"
    async with Running(services):
        for thread, text in ((42, "/subscribe fomc"), (77, "/subscribe fomc"),
                             (77, "/lang en")):
            standin.command(FORUM, ADMIN, text, message_thread_id=thread,
                            is_topic_message=True)
            await until(lambda t=thread: standin.texts_to_topic(-1001234, t))
        await until(lambda: len(standin.texts_to_topic(-1001234, 77)) >= 2)
    markets = await services.registry.get_chat(ChatRef("telegram", "-1001234/42"))
    macro = await services.registry.get_chat(ChatRef("telegram", "-1001234/77"))
    assert markets.topics == {"fomc"} and macro.topics == {"fomc"}
    assert macro.language is Language.EN and markets.language is not Language.EN
    assert await services.registry.get_chat(ChatRef("telegram", "-1001234")) is None

    standin.deleted_topics.add((-1001234, 42))
    await services.publisher.publish(fomc_event())
    # both topics are one group: its pace (a message every 3 s) is tested on its own
    transport = TelegramTransport(bot_for(services.settings), Pacer(group_per_minute=1000))
    async with delivering(services, transport, "t"):
        await until(lambda: any("The Fed" in t for t in standin.texts_to_topic(-1001234, 77)))
        await until_stored(lambda: active(services, ChatRef("telegram", "-1001234/42"), False))
    assert (await services.registry.get_chat(ChatRef("telegram", "-1001234/77"))).active


async def test_paid_broadcast_for_a_large_fan_out_up_to_its_cap(telegram):
    """An event sent to more chats than the threshold goes as paid broadcasts
    (allow_paid_broadcast), at most ``cap`` of its messages; the rest at the free rate."""
    standin, services = telegram
    from bot.app import build_transports
    from tests.helpers import delivering, fomc_event

    settings = services.settings.model_copy(update={"telegram": services.settings.telegram
                                                    .model_copy(update={
                                                        "paid_broadcast": True,
                                                        "paid_broadcast_threshold": 2,
                                                        "paid_broadcast_cap": 2})})
    for cid in (701, 702, 703):
        ref = ChatRef("telegram", str(cid))
        await services.registry.upsert_chat(ref, ChatKind.PRIVATE)
        await services.registry.subscribe(ref, "fomc")
    await services.publisher.publish(fomc_event())
    [transport] = build_transports(settings, services.redis)
    async with delivering(services, transport, "p"):
        await until(lambda: all(standin.texts_to(c) for c in (701, 702, 703)))
    paid = [c for c in standin.sent() if str(c.params.get("allow_paid_broadcast")).lower()
            == "true"]
    assert len(paid) == 2 and transport.sent_paid == 2


async def test_updates_handed_again_after_a_failover_are_not_answered_twice(telegram):
    """The stand-in, like Telegram, hands a new poller every update nobody confirmed: the
    second front end (a new leader) skips the ones the first had answered."""
    standin, services = telegram
    async with Running(services):
        standin.command(private(ALICE), ALICE, "/start")
        standin.command(private(ALICE), ALICE, "/subscribe fomc")
        await until(lambda: len(standin.texts_to(501)) >= 2)
    async with Running(services):  # polls from the start: both updates come again
        standin.command(private(ALICE), ALICE, "/status")
        await until(lambda: len(standin.texts_to(501)) >= 3)
        await asyncio.sleep(0.3)  # a repeated answer would come now
    assert len(standin.texts_to(501)) == 3


async def test_a_flooding_chat_is_told_once_and_holds_no_one_else_up(telegram):
    """500 commands from one private chat: a burst is answered, one notice says "too
    many", the rest is silence; another user's /help sent in the middle of the flood is
    answered at once, with the shared send budget pacing replies as in production."""
    standin, services = telegram
    async with front_end_running(services) as front:
        assert front.budget is not None  # paced as `fedalert run` paces
        for _ in range(250):
            standin.command(private(ALICE), ALICE, "/help")
        await until(lambda: len(standin.texts_to(501)) >= 1)
        for _ in range(250):
            standin.command(private(ALICE), ALICE, "/help")
        asked = asyncio.get_running_loop().time()
        standin.command(private(BOB), BOB, "/help")
        await until(lambda: standin.texts_to(502), timeout=8)
        answered_in = asyncio.get_running_loop().time() - asked
        await asyncio.sleep(2.0)  # what is still coming to the flooder
    to_alice = standin.texts_to(501)
    notices = [text for text in to_alice if "指令過多" in text]
    assert len(notices) == 1, len(notices)
    assert len(to_alice) <= 16, len(to_alice)  # the burst, the notice, a little refill
    assert answered_in < 4.0, answered_in  # before: minutes (one reply a second, in turn)


async def test_replies_queued_for_one_chat_keep_its_limit(telegram):
    """Five commands from one user at once (a failover hands the new poller a backlog
    like this): the replies go out a second apart, none refused with a 429."""
    standin, services = telegram
    standin.enforce_limits = True
    async with front_end_running(services):
        for _ in range(5):
            standin.command(private(ALICE), ALICE, "/help")
        await until(lambda: len(standin.texts_to(501)) >= 5, timeout=15)
    assert standin.too_many == 0
    times = [call.at for call in standin.sent() if int(call.params["chat_id"]) == 501]
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(times)), times


async def test_brief_and_liquidity_in_words(telegram):
    """The same commands Discord takes as options, typed on Telegram."""
    standin, services = telegram
    async with Running(services):
        for text in ("/start", "/brief 08:00 changes", "/brief off",
                     "/liquidity rrp below 100b", "/macro cpi", "/macro preview on",
                     "/calendar"):
            count = len(standin.texts_to(502))
            standin.command(private(BOB), BOB, text)
            await until(lambda count=count: len(standin.texts_to(502)) > count)
    replies = standin.texts_to(502)
    assert "every day at 08:00" in replies[1] and "skipped" in replies[1]
    assert "brief off" in replies[2].lower()
    assert "#1" in replies[3] and "100" in replies[3]
    assert "No macro release has been read yet" in replies[4]
    assert "Release previews on" in replies[5]
    assert "The next 7 days" in replies[6]


async def test_a_send_woken_after_its_slot_takes_a_new_one():
    """On a loaded machine a paced send can wake well after its slot; it then takes a new
    slot instead of going out beside the sends that reserved the next ones."""
    from bot.platforms.pacing import Pacer

    now = [100.0]
    late = [0.3]  # the first wake-up is 300 ms late, the next on time

    async def sleep(seconds):
        now[0] += seconds + (late.pop(0) if late else 0.0)

    pacer = Pacer(per_second=10.0, clock=lambda: now[0], sleep=sleep)
    pacer.reserve("other", group=False)  # someone holds the first slot: we must wait
    assert await pacer.wait("chat", group=False) is None
    # two slots were taken for this send: the missed one, and the one it went in
    assert pacer._global_next == pytest.approx(now[0] + 0.1)


async def test_a_slot_that_falls_in_a_pause_is_not_spent(redis, prefix):
    """Slots reserved before several chats were refused (a pause of every send, for every
    instance) are not spent into the limit: a send that wakes inside the pause takes a new
    slot after it."""
    from bot.platforms.pacing import Pacer
    from bot.store.budget import SendBudget

    budget = SendBudget(redis, prefix, "telegram", per_second=28.0, group_per_minute=19.0,
                        private_per_second=1.0)
    pacer = Pacer(shared=budget)
    await budget.reserve("someone", group=False)  # the next slot is a little way off
    waiting = asyncio.create_task(pacer.wait("chat", group=False))
    for refused in ("a", "b", "c"):  # three chats refused at once: every send waits 1 s
        await budget.refused(refused, 1.0)
    assert 0.9 < await budget.paused_for() <= 1.0
    started = asyncio.get_running_loop().time()
    assert await waiting is None
    assert asyncio.get_running_loop().time() - started >= 0.9  # it went after the pause


async def test_the_note_is_a_reply_to_its_decision(telegram):
    """The decision goes out at once; the implementation note that follows is sent as a
    reply to it in each chat (a chat whose decision message is unknown gets it plainly)."""
    from datetime import date
    from decimal import Decimal

    from bot.platforms.telegram.spec import transports
    from bot.topics.fomc.events import NoteFollowUp, NoteRates
    from tests.helpers import delivering, fomc_event, wait_for

    standin, services = telegram
    ref = ChatRef("telegram", "610")
    await services.registry.upsert_chat(ref, ChatKind.PRIVATE)
    await services.registry.subscribe(ref, "fomc")
    [transport] = transports(services.settings, services.redis)
    decision = fomc_event()
    note = NoteFollowUp(occurred_at=decision.occurred_at, meeting_date=decision.meeting_date,
                        rates=NoteRates(iorb=Decimal("4.40"), effective=date(2025, 3, 20)),
                        url="https://www.federalreserve.gov/x.htm")
    async with delivering(services, transport):
        await services.publisher.publish(decision)
        await wait_for(lambda: len(standin.sent()) == 1)
        await services.publisher.publish(note)
        await wait_for(lambda: len(standin.sent()) == 2)
    first, second = standin.sent()
    assert "reply_parameters" not in first.params
    replied = second.params["reply_parameters"]
    replied = json.loads(replied) if isinstance(replied, str) else replied
    assert isinstance(replied["message_id"], int) and replied["message_id"] > 0
    assert replied.get("allow_sending_without_reply") is True
