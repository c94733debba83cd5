"""Registry export and import: a store's chats moved to another, nothing half-written."""

import asyncio
import json
from decimal import Decimal

import pytest

from bot.app import build_services
from bot.domain.chats import ChatKind, ChatRef, Direction, Language, RepeatMode
from bot.store.transfer import ImportProblem, export_chats, import_records, read_records
from tests.helpers import run_cli

STORES = ("single", "cluster")  # each test on one server and on a cluster


async def fill(services):
    dm, group, hook = ChatRef("telegram", "9001"), ChatRef("telegram", "-9002/7"), \
        ChatRef("webhook", "55")
    await services.registry.upsert_chat(dm, ChatKind.PRIVATE, language=Language.EN,
                                        timezone="America/New_York")
    await services.registry.subscribe(dm, "fomc", "btc")
    await services.registry.add_threshold(dm, Direction.BELOW, Decimal(80000))
    await services.registry.add_threshold(dm, Direction.CROSS, Decimal("100000.5"),
                                          mode=RepeatMode.REPEAT)
    await services.registry.set_quiet_hours(dm, "23:00-07:00")
    await services.registry.set_field(dm, "liquidity",
                                      '[{"metric": "on_rrp", "test": "below", "millions": 100000}]')
    await services.registry.upsert_chat(group, ChatKind.GROUP, title="論壇 / 市場")
    await services.registry.subscribe(group, "h41")
    await services.registry.upsert_chat(hook, ChatKind.CHANNEL)
    await services.registry.set_field(hook, "secret", "tok")
    await services.registry.deactivate(hook, "test")
    commands = services.commands()
    from bot.commands.core import Invocation

    inv = Invocation(group, ChatKind.GROUP, user_id="1", is_admin=True, user_language="en")
    await commands.handle_text(inv, "/brief 07:30 changes")
    return dm, group, hook


async def lines_of(services):
    return sorted([line async for line in export_chats(services.registry)])


async def test_export_then_import_into_another_store_gives_the_same_chats(settings, redis):
    source = build_services(settings, redis)
    dm, group, hook = await fill(source)
    exported = await lines_of(source)
    assert len(exported) == 3
    target_settings = settings.model_copy(update={"key_prefix": settings.key_prefix + "-b"})
    target = build_services(target_settings, redis)
    try:
        records = read_records(exported, target.registry.topics)
        assert await import_records(target.registry, target.briefs, records) == 3
        assert await lines_of(target) == exported
        # idempotent: again, nothing new and nothing doubled
        assert await import_records(target.registry, target.briefs, records) == 0
        assert await lines_of(target) == exported
        assert len(await target.registry.list_thresholds(dm)) == 2
        assert not (await target.registry.get_chat(hook)).active
        assert await target.briefs.get(group) is not None
        assert [r async for r in target.registry.iter_subscribers("btc")] == [dm]
    finally:
        keys = [k async for k in redis.scan_iter(match=f"{target_settings.key_prefix}:*")]
        if keys:
            await redis.delete(*keys)


def test_bad_lines_are_named_and_nothing_is_read():
    good = json.dumps({"ref": "telegram:1", "kind": "private", "language": "en",
                       "timezone": "Asia/Taipei", "topics": ["fomc"]})
    lines = [good, "{not json", json.dumps({"ref": "telegram:2", "kind": "private",
                                            "language": "xx", "timezone": "Asia/Taipei"}),
             json.dumps({"ref": "telegram:3", "kind": "private", "language": "en",
                         "timezone": "Mars/Olympus"}),
             json.dumps({"ref": "telegram:4", "kind": "private", "language": "en",
                         "timezone": "UTC", "topics": ["weather"]}),
             json.dumps({"ref": "telegram:5", "kind": "private", "language": "en",
                         "timezone": "UTC", "thresholds": [{"direction": "below",
                                                            "level": "-5"}]}),
             good]
    with pytest.raises(ImportProblem) as caught:
        read_records(lines, ["fomc", "h41", "odds", "btc"])
    problems = caught.value.problems
    assert [p.split(":")[0] for p in problems] == ["line 2", "line 3", "line 4", "line 5",
                                                   "line 6", "line 7"]
    assert "weather" in problems[3] and "already on line 1" in problems[5]


async def test_cli_round_trip(subprocess_env, tmp_path, settings, redis, monkeypatch):
    """`fedalert registry export | import`, run as the command line runs them (in this
    process: the store and the printing are the same, without a Python start-up each)."""
    await fill(build_services(settings, redis))
    for name, value in subprocess_env.items():
        if name.startswith("FEDALERT_"):
            monkeypatch.setenv(name, value)
    export = await asyncio.to_thread(run_cli, "registry", "export")
    assert export.returncode == 0 and "exported 3 chats" in export.stderr
    broken, whole = tmp_path / "broken.jsonl", tmp_path / "chats.jsonl"
    broken.write_text(export.stdout + "{broken\n")
    whole.write_text(export.stdout)
    bad = await asyncio.to_thread(run_cli, "registry", "import", str(broken))
    assert bad.returncode == 1 and "line 4: not JSON" in bad.stderr
    assert "nothing imported" in bad.stderr
    good = await asyncio.to_thread(run_cli, "registry", "import", str(whole))
    assert good.returncode == 0 and "imported 3 chats (0 new, 3 updated)" in good.stderr
