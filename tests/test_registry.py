from decimal import Decimal

import pytest

from bot.domain.chats import ChatKind, ChatRef, Direction, Language, RepeatMode
from bot.domain.errors import (
    ChatNotRegistered,
    InvalidQuietHours,
    InvalidThreshold,
    ThresholdNotFound,
    TooManyThresholds,
    UnknownLanguage,
    UnknownTimeZone,
    UnknownTopic,
)
from bot.topics.catalog import Catalog

STORES = ("single", "cluster")  # each test on one server and on a cluster

ALICE = ChatRef("telegram", "1001")
GROUP = ChatRef("telegram", "-2002")


async def topic_members(services, topic):
    return {ref async for ref in services.registry.iter_subscribers(topic)}


async def test_new_chat_gets_defaults(services):
    assert await services.registry.upsert_chat(ALICE, ChatKind.PRIVATE) is True
    assert await services.registry.upsert_chat(ALICE, ChatKind.PRIVATE) is False
    chat = await services.registry.get_chat(ALICE)
    assert chat.language is Language.BOTH
    assert chat.timezone == "Asia/Taipei"
    assert chat.active and chat.topics == frozenset()


async def test_subscribe_unsubscribe_keep_index_in_step(services):
    reg = services.registry
    await reg.upsert_chat(ALICE, ChatKind.PRIVATE)
    assert await reg.subscribe(ALICE, "fomc", "btc") == {"fomc", "btc"}
    assert await topic_members(services, "fomc") == {ALICE}
    assert await reg.unsubscribe(ALICE, "fomc") == {"btc"}
    assert await topic_members(services, "fomc") == set()
    assert await reg.count_subscribers("btc") == 1
    assert (await reg.get_chat(ALICE)).topics == {"btc"}


async def test_changes_to_unknown_chat_are_typed_errors(services):
    with pytest.raises(ChatNotRegistered):
        await services.registry.subscribe(ALICE, "fomc")
    with pytest.raises(ChatNotRegistered):
        await services.registry.set_language(ALICE, "en")
    assert await services.registry.get_chat(ALICE) is None  # nothing half-created


@pytest.mark.parametrize("text,expected", [
    ("zh-Hant", Language.ZH_HANT), ("zh_TW", Language.ZH_HANT), ("中文", Language.ZH_HANT),
    ("EN", Language.EN), ("english", Language.EN), ("both", Language.BOTH), ("雙語", Language.BOTH),
])
async def test_language_aliases(services, text, expected):
    await services.registry.upsert_chat(ALICE, ChatKind.PRIVATE)
    assert await services.registry.set_language(ALICE, text) is expected
    assert (await services.registry.get_chat(ALICE)).language is expected


async def test_bad_language_topic_zone_are_typed(services):
    await services.registry.upsert_chat(ALICE, ChatKind.PRIVATE)
    with pytest.raises(UnknownLanguage) as err:
        await services.registry.set_language(ALICE, "klingon")
    assert err.value.params["language"] == "klingon"
    with pytest.raises(UnknownTopic):
        Catalog().directory.parse("weather")
    with pytest.raises(UnknownTimeZone):
        await services.registry.set_timezone(ALICE, "Mars/Olympus")
    with pytest.raises(InvalidQuietHours):
        await services.registry.set_quiet_hours(ALICE, "late")


async def test_quiet_hours_and_zone(services):
    reg = services.registry
    await reg.upsert_chat(ALICE, ChatKind.PRIVATE)
    await reg.set_timezone(ALICE, "Asia/Hong_Kong")
    hours = await reg.set_quiet_hours(ALICE, "23:00-7")
    assert str(hours) == "23:00-07:00"
    chat = await reg.get_chat(ALICE)
    assert chat.timezone == "Asia/Hong_Kong" and str(chat.quiet_hours) == "23:00-07:00"
    await reg.set_quiet_hours(ALICE, "off")
    assert (await reg.get_chat(ALICE)).quiet_hours is None


async def test_thresholds_cap_and_range_query(services):
    reg = services.registry
    reg.max_thresholds = 3
    await reg.upsert_chat(ALICE, ChatKind.PRIVATE)
    below = await reg.add_threshold(ALICE, Direction.BELOW, Decimal(80000))
    above = await reg.add_threshold(ALICE, Direction.ABOVE, Decimal(100000))
    cross = await reg.add_threshold(ALICE, Direction.CROSS, Decimal(90000), mode=RepeatMode.REPEAT)
    assert [below.threshold.id, above.threshold.id, cross.threshold.id] == [1, 2, 3]
    with pytest.raises(TooManyThresholds) as err:
        await reg.add_threshold(ALICE, Direction.BELOW, Decimal(70000))
    assert err.value.params["limit"] == 3
    # the same level again is not a new alert and does not count against the cap
    again = await reg.add_threshold(ALICE, Direction.BELOW, Decimal("80000.0"))
    assert again.existing and again.threshold.id == 1

    falling = await reg.crossed_levels(Decimal(95000), Decimal(79000))
    assert {(c.threshold_id, c.level) for c in falling} == {(1, 80000), (3, 90000)}
    rising = await reg.crossed_levels(Decimal(79000), Decimal(100000))
    assert {(c.threshold_id, c.level) for c in rising} == {(2, 100000), (3, 90000)}
    # touching the level counts, starting on it does not count twice
    assert {c.threshold_id for c in await reg.crossed_levels(Decimal(80001), Decimal(80000))} == {1}
    assert await reg.crossed_levels(Decimal(80000), Decimal(79000)) == []

    await reg.remove_threshold(ALICE, 3)
    assert [t.id for t in await reg.list_thresholds(ALICE)] == [1, 2]
    with pytest.raises(ThresholdNotFound):
        await reg.remove_threshold(ALICE, 3)


@pytest.mark.parametrize("level", ["0", "-5", "NaN", "Infinity", "1e12"])
async def test_malformed_thresholds_are_typed(services, level):
    await services.registry.upsert_chat(ALICE, ChatKind.PRIVATE)
    with pytest.raises(InvalidThreshold):
        await services.registry.add_threshold(ALICE, Direction.BELOW, Decimal(level))


async def test_deactivate_and_reactivate(services):
    reg = services.registry
    await reg.upsert_chat(ALICE, ChatKind.PRIVATE)
    await reg.subscribe(ALICE, "fomc")
    await reg.add_threshold(ALICE, Direction.BELOW, Decimal(80000))
    assert await reg.deactivate(ALICE, "blocked") is True
    assert await reg.deactivate(ALICE, "blocked") is False
    chat = await reg.get_chat(ALICE)
    assert not chat.active and chat.topics == {"fomc"}  # settings kept
    assert await topic_members(services, "fomc") == set()
    assert await reg.crossed_levels(Decimal(81000), Decimal(79000)) == []
    # subscribing while inactive records the wish without indexing the chat
    await reg.subscribe(ALICE, "h41")
    assert await topic_members(services, "h41") == set()
    assert await reg.reactivate(ALICE) is True
    assert await topic_members(services, "fomc") == {ALICE}
    assert await topic_members(services, "h41") == {ALICE}
    assert len(await reg.crossed_levels(Decimal(81000), Decimal(79000))) == 1


async def test_migration_keeps_everything(services):
    reg = services.registry
    new = ChatRef("telegram", "-1009876543210")
    await reg.upsert_chat(GROUP, ChatKind.GROUP, language=Language.ZH_HANT, title="投資群")
    await reg.subscribe(GROUP, "fomc", "odds")
    await reg.set_quiet_hours(GROUP, "01:00-06:00")
    await reg.add_threshold(GROUP, Direction.BELOW, Decimal(80000))
    await reg.add_threshold(GROUP, Direction.ABOVE, Decimal(100000))
    await reg.remove_threshold(GROUP, 1)

    assert await reg.migrate(GROUP, new) is True
    assert await reg.get_chat(GROUP) is None
    chat = await reg.get_chat(new)
    assert chat.language is Language.ZH_HANT and chat.title == "投資群"
    assert chat.topics == {"fomc", "odds"} and str(chat.quiet_hours) == "01:00-06:00"
    assert [(t.id, t.level) for t in await reg.list_thresholds(new)] == [(2, 100000)]
    assert await topic_members(services, "fomc") == {new}
    crossed = await reg.crossed_levels(Decimal(99000), Decimal(101000))
    assert [(c.chat, c.threshold_id) for c in crossed] == [(new, 2)]
    # ids keep counting from where the old chat was
    assert (await reg.add_threshold(new, Direction.BELOW, Decimal(70000))).threshold.id == 3
    # running the migration again (a retry after a crash) is harmless
    assert await reg.migrate(GROUP, new) is False
    assert await reg.get_chat(new) is not None


async def test_delete_chat_removes_all_keys(services, redis, prefix):
    reg = services.registry
    await reg.upsert_chat(ALICE, ChatKind.PRIVATE)
    await reg.subscribe(ALICE)
    await reg.add_threshold(ALICE, Direction.CROSS, Decimal(90000))
    assert await reg.delete_chat(ALICE) is True
    leftovers = [k async for k in redis.scan_iter(match=f"{prefix}:*")]
    # only empty-set deletions remain: no key mentions the chat any more
    for key in leftovers:
        kind = await redis.type(key)
        if kind == "set":
            assert "telegram:1001" not in await redis.smembers(key)
        if kind == "zset":
            assert await redis.zcard(key) == 0
    assert not any("telegram:1001" in k for k in leftovers)


async def test_keys_share_a_hash_tag_per_chat(services):
    part = services.keys.partition_of(ALICE)
    tag = part.tag[part.tag.index("{"):part.tag.index("}") + 1]
    for key in (part.chat(ALICE), part.topic("fomc"), part.thresholds(ALICE),
                part.levels_up, part.outbox("telegram"), part.sent("fomc:2025-03-19")):
        assert tag in key
