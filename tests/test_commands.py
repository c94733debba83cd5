"""The platform-agnostic command layer (Telegram and Discord only translate to it)."""

import string
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.commands.core import Invocation
from bot.commands.handlers import parse_command
from bot.domain.chats import ChatKind, ChatRef, Language
from bot.platforms.telegram.markup import to_html

DM = Invocation(ChatRef("telegram", "501"), ChatKind.PRIVATE, user_id="501",
                user_language="zh-hant")
GROUP_ADMIN = Invocation(ChatRef("telegram", "-900"), ChatKind.GROUP, user_id="7",
                         user_language="en", is_admin=True, chat_title="投資群")
GROUP_MEMBER = Invocation(ChatRef("telegram", "-900"), ChatKind.GROUP, user_id="8",
                          user_language="en", is_admin=False)


@pytest.fixture
def commands(services):
    return services.commands()


async def say(commands, inv, text):
    reply = await commands.handle_text(inv, text)
    assert reply is not None
    return reply


async def test_welcome_and_help_name_every_topic_the_catalog_offers(commands, services):
    """The topics come from the catalog: a new topic (macro) is named without a core edit."""
    welcome = (await say(commands, DM, "/start")).text
    help_text = (await say(commands, DM, "/help")).text
    for info in services.catalog.directory:
        assert info.name in help_text
    assert "美國經濟數據" in welcome and "比特幣" in welcome, welcome
    english = (await say(commands, GROUP_ADMIN, "/start")).text
    assert "US macro releases (CPI, jobs, PCE, GDP)" in english, english


def test_parse_command():
    assert parse_command("/alert@FedAlertBot below 80k", "fedalertbot") == ("alert",
                                                                           ["below", "80k"])
    assert parse_command("/alert@other_bot below 80k", "fedalertbot") is None
    assert parse_command("hello") is None
    assert parse_command("/") is None


async def test_start_guesses_language_and_offers_buttons(commands, services):
    reply = await say(commands, DM, "/start")
    chat = await services.registry.get_chat(DM.chat)
    assert chat.language is Language.ZH_HANT
    assert "歡迎使用 fedalert" in reply.text and "Welcome" not in reply.text
    data = [b.data for row in reply.buttons for b in row]
    assert {"lang:zh-Hant", "lang:en", "lang:both"} <= set(data)
    assert {f"topic:{t}" for t in ("fomc", "h41", "odds", "btc")} <= set(data)

    pressed = await commands.press(DM, "topic:fomc")
    assert "✅ FOMC" in " ".join(b.label for row in pressed.buttons for b in row)
    assert (await services.registry.get_chat(DM.chat)).topics == {"fomc"}
    await commands.press(DM, "lang:en")
    assert (await services.registry.get_chat(DM.chat)).language is Language.EN


async def test_subscribe_and_language_commands(commands, services):
    await say(commands, DM, "/start")
    reply = await say(commands, DM, "/subscribe fomc, btc")
    assert "FOMC 利率決策" in reply.text and "比特幣價格提醒" in reply.text
    assert (await services.registry.get_chat(DM.chat)).topics == {"fomc", "btc"}
    await say(commands, DM, "/unsubscribe all")
    assert (await services.registry.get_chat(DM.chat)).topics == frozenset()
    reply = await say(commands, DM, "/lang both")
    assert "繁體中文" not in reply.text and "雙語" in reply.text and "both" in reply.text


@pytest.mark.parametrize("text,code,zh,en", [
    ("/subscribe weather", "unknown_topic", "無法辨識的主題「weather」", "Unknown topic “weather”"),
    ("/lang klingon", "unknown_language", "無法辨識的語言", "Unknown language"),
    ("/alert below abc", "invalid_amount", "「abc」不是有效價格", "“abc” is not a price"),
    ("/alert sideways 80000", "invalid_threshold", "用法：/alert", "Usage: /alert"),
    ("/alert below", "invalid_threshold", "用法：/alert", "Usage: /alert"),
    ("/delalert x", "invalid_id", "不是提醒編號", "is not an alert number"),
    ("/delalert ①", "invalid_id", "不是提醒編號", "is not an alert number"),
    ("/delalert 42", "threshold_not_found", "#42", "#42"),
    ("/settings tz Mars/Base", "unknown_timezone", "無法辨識的時區", "Unknown time zone"),
    ("/settings tz Asia", "unknown_timezone", "無法辨識的時區", "Unknown time zone"),
    ("/settings tz " + "Z" * 300, "unknown_timezone", "無法辨識的時區", "Unknown time zone"),
    ("/settings quiet noon", "invalid_quiet_hours", "勿擾時段格式", "Quiet hours look like"),
    ("/frobnicate", "unknown_command", "無法辨識的指令", "Unknown command"),
])
async def test_bad_input_gets_a_bilingual_reply(commands, services, text, code, zh, en):
    await say(commands, DM, "/start")
    await services.registry.set_language(DM.chat, "both")
    reply = await say(commands, DM, text)
    assert reply.error == code
    zh_part, en_part = reply.text.split("\n\n", 1)
    assert zh in zh_part and en in en_part


async def test_threshold_commands_and_cap(commands, services):
    services.registry.max_thresholds = 2
    await say(commands, DM, "/start")
    await services.snapshots.set_json("btc", {"price": "79500", "sources": ["Kraken"]})
    reply = await say(commands, DM, "/alert 跌破 8 萬")
    assert "已設定提醒 #1" in reply.text and "8 萬美元" in reply.text
    assert "已越過該價位" in reply.text  # already below: armed for the next crossing
    reply = await say(commands, DM, "/alert above $100,000 repeat")
    assert "#2" in reply.text and "每次觸發" in reply.text
    reply = await say(commands, DM, "/alert below 70k")
    assert reply.error == "too_many_thresholds" and "2 則價格提醒" in reply.text
    listing = await say(commands, DM, "/alerts")
    assert "#1 比特幣跌破 8 萬美元" in listing.text and "#2 比特幣突破 10 萬美元" in listing.text
    await say(commands, DM, "/delalert #1")
    assert [t.id for t in await services.registry.list_thresholds(DM.chat)] == [2]
    levels = await services.registry.crossed_levels(Decimal(99000), Decimal(101000))
    assert [c.threshold_id for c in levels] == [2]


async def test_group_settings_are_admin_only(commands, services):
    reply = await say(commands, GROUP_MEMBER, "/start")
    assert reply.error == "not_admin"
    assert await services.registry.get_chat(GROUP_ADMIN.chat) is None
    await say(commands, GROUP_ADMIN, "/start")
    chat = await services.registry.get_chat(GROUP_ADMIN.chat)
    assert chat.kind is ChatKind.GROUP and chat.language is Language.BOTH
    assert chat.title == "投資群"
    for text in ("/subscribe fomc", "/lang en", "/alert below 80000", "/stop",
                 "/settings tz Asia/Tokyo"):
        refused = await say(commands, GROUP_MEMBER, text)
        assert refused.error == "not_admin", text
        assert "只有本群組的管理員" in refused.text and "only the admins" in refused.text
    assert (await commands.press(GROUP_MEMBER, "topic:fomc")).error == "not_admin"
    # reading is open to everyone
    assert (await say(commands, GROUP_MEMBER, "/status")).error is None
    assert (await say(commands, GROUP_ADMIN, "/subscribe fomc")).error is None


async def test_settings_and_stop(commands, services):
    await say(commands, DM, "/start")
    reply = await say(commands, DM, "/settings quiet 23:00-07:00")
    assert "23:00-07:00" in reply.text and "靜音送達" in reply.text
    await say(commands, DM, "/settings tz Asia/Hong_Kong")
    chat = await services.registry.get_chat(DM.chat)
    assert chat.timezone == "Asia/Hong_Kong" and str(chat.quiet_hours) == "23:00-07:00"
    reply = await say(commands, DM, "/stop")
    assert "已停止" in reply.text
    assert await services.registry.get_chat(DM.chat) is None
    # a later command asks to /start again instead of failing ...
    assert (await say(commands, DM, "/alerts")).error == "chat_not_registered"
    # ... but subscribing sets the chat up again, as the README promises
    assert (await say(commands, DM, "/subscribe fomc")).error is None
    assert (await services.registry.get_chat(DM.chat)).topics == {"fomc"}


async def test_views_without_data_say_so(commands):
    await say(commands, DM, "/start")
    for name in ("status", "fomc", "balance", "odds", "btc", "help"):
        reply = await say(commands, DM, f"/{name}")
        assert reply.error is None and reply.text


async def test_fomc_view_renders_the_latest_event(commands, services):
    from tests.helpers import fomc_event

    await say(commands, DM, "/start")
    event = fomc_event()
    await services.publisher.publish(event)
    await services.snapshots.set_latest_event("fomc", event.key)
    reply = await say(commands, DM, "/fomc")
    assert reply.alert is not None and "4.25%–4.50%" in reply.text
    status = await say(commands, DM, "/status")
    assert "聯邦基金利率目標區間：4.25%–4.50%" in status.text
    assert "下次 FOMC 決策" in status.text


def test_every_command_has_a_description(commands):
    assert all(spec.description for spec in commands.table)
    assert [spec.name for spec in commands.table] == [
        "start", "help", "subscribe", "unsubscribe", "lang", "status", "calendar", "fomc",
        "balance",
        "liquidity", "odds", "btc", "alert", "alerts", "delalert", "macro", "settings", "brief",
        "stop",
        "channel",
        "webhook"]
    # a platform's own command is refused elsewhere, like an unknown one
    assert {spec.name for spec in commands.table if spec.platforms} == {"channel", "webhook"}


command_text = st.one_of(
    st.text(max_size=60),
    st.builds(lambda name, rest: f"/{name} {rest}",
              st.sampled_from(["start", "help", "subscribe", "alert", "status", "fomc", "odds",
                               "settings", "x", "ALERT", "delalert"]),
              st.text(alphabet=string.printable + "萬跌破突破，８０", max_size=40)),
)


PATIENT = (float(t) for t in range(0, 10**9, 10))


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=command_text)
async def test_random_text_never_crashes(commands, text):
    # a patient typist, ten seconds between commands: never over the command limit
    commands.monotonic = PATIENT.__next__
    reply = await commands.handle_text(DM, text)
    if text.strip().startswith("/") and len(text.strip()) > 1:
        assert reply is not None and reply.text
        assert reply.error != "internal", (text, reply.text)
    elif reply is None:
        assert not text.strip().startswith("/") or len(text.strip()) < 2


async def test_a_flooding_chat_is_told_once_then_ignored(commands):
    now = [1000.0]
    commands.monotonic = lambda: now[0]
    await say(commands, DM, "/start")
    replies = [await say(commands, DM, "/help") for _ in range(14)]
    limited = [r for r in replies if r.error == "rate_limited"]
    assert len(limited) >= 3
    assert "指令過多" in limited[0].text and not limited[0].quiet
    assert all(r.quiet for r in limited[1:])
    other = await say(commands, GROUP_ADMIN, "/help")  # another chat is not held back
    assert other.error is None
    now[0] += 10  # the chat slowed down: answered again
    assert (await say(commands, DM, "/help")).error is None


async def test_status_on_a_fresh_install_knows_the_range_only_when_it_is_current(services):
    """The packaged history gives the range from the first start, unless a meeting it does
    not know has passed since: then the status says it is not known, rather than guess."""
    from datetime import UTC, datetime

    from bot.topics.fomc.statement import TargetRangeHistory

    last = TargetRangeHistory.packaged().days[-1]
    soon_after = datetime(last.year, last.month, last.day, 23, 0, tzinfo=UTC)
    fresh = services.commands(clock=lambda: soon_after)
    reply = await fresh.run(DM, "status", [])
    assert "尚無資料" not in reply.text and "not known yet" not in reply.text
    a_year_on = datetime(last.year + 1, last.month, last.day, 23, 0, tzinfo=UTC)
    later = services.commands(clock=lambda: a_year_on)
    assert "尚無資料" in (await later.run(DM, "status", [])).text


async def test_replies_are_sections_each_platform_formats(commands):
    """A reply is one section per language (first line the title), like an alert; Telegram
    sends it as HTML with the title bold and every text escaped, Discord as markdown."""
    from bot.commands.core import reply_sections
    from bot.platforms.discord.front import reply_markdown
    from bot.render.message import AlertMessage

    await say(commands, DM, "/start")
    await say(commands, DM, "/lang both")
    reply = await say(commands, DM, "/lang <b>klingon</b>")
    sections = reply_sections(reply)
    assert [s.language for s in sections] == ["zh-Hant", "en"]
    html = to_html(AlertMessage("reply", "info", sections))
    assert html.startswith("<b>") and "&lt;b&gt;" in html and "<b>80k</b>" not in html
    assert reply_markdown(reply).startswith("**")


async def test_a_member_without_rights_cannot_take_over_or_wake_a_group(services):
    """A group member who is not an admin (Discord: without Manage Server) sends /start in a
    configured, paused group: it stays paused and keeps who configured it."""
    from bot.commands.core import Invocation

    commands = services.commands()
    ref = ChatRef("discord", "880000000000000042")
    admin = Invocation(ref, ChatKind.GROUP, user_id="1", is_admin=True, user_language="en")
    member = Invocation(ref, ChatKind.GROUP, user_id="2", is_admin=False, user_language="en")
    await commands.run(admin, "start", [])
    await services.registry.deactivate(ref, "paused by test")
    reply = await commands.run(member, "start", [])
    assert reply.error == "not_admin"
    chat = await services.registry.get_chat(ref)
    assert not chat.active
    fields = (await services.registry.chats_with_thresholds([ref]))[0][1]
    assert fields.get("configured_by") == "1"
