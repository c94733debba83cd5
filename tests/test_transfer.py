"""Registry export and import: a store's chats moved to another, nothing half-written."""

import asyncio
import json
from decimal import Decimal

import pytest

from bot.app import build_services
from bot.domain.chats import ChatKind, ChatRef, Direction, Language, RepeatMode
from bot.store.transfer import (
    ImportProblem,
    canonical_ref,
    check_records,
    export_chats,
    import_records,
    problems_with_the_store,
    read_records,
)
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


def line(**extra):
    return json.dumps({"ref": "telegram:1001", "kind": "private", "language": "en",
                       "timezone": "Asia/Taipei", **extra})


TOPICS = ["fomc", "h41", "odds", "btc"]
PLATFORMS = ["telegram", "discord", "webhook", "console"]


@pytest.mark.parametrize(("bad", "reason"), [
    (line(thresholds=[{"direction": "below", "level": str(70000 + i)} for i in range(25)]),
     "25 price levels (at most 20"),
    (line(thresholds=[{"direction": "below", "level": "1e9"}]), "invalid threshold"),
    (line(thresholds=[{"direction": "below", "level": "Infinity"}]), "invalid threshold"),
    (line(thresholds=[{"direction": "below", "level": True}]), "a level must be a number"),
    (line(title={"a": 1}), "title must be text"),
    (line(fields=["brief"]), "fields must be an object"),
    (line(quiet=2300), "quiet must be text"),
    (line(active="false"), "active must be true or false"),
    (line(topics="fomc"), "topics must be a list"),
    ('{"ref": "telegram:1", "title": "\\ud800"}', "not valid Unicode"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    (line(ref="matrix:1"), "unknown platform 'matrix'"),
    (line(ref=1001), "ref must be a string"),
])
def test_a_line_the_store_would_refuse_is_refused_before_anything_is_written(bad, reason):
    problems = [item for item in check_records([line(), bad], TOPICS, platforms=PLATFORMS)
                if isinstance(item, str)]
    assert len(problems) == 1 and problems[0].startswith("line 2: "), problems
    assert reason in problems[0], problems


def test_one_chat_under_four_spellings_is_one_chat():
    spellings = ["telegram:1001", "telegram:01001", "telegram:+1001", "telegram: 1001",
                 "Telegram:1001"]
    items = list(check_records([line(ref=ref) for ref in spellings], TOPICS,
                               platforms=PLATFORMS))
    assert str(items[0].ref) == "telegram:1001"
    assert all(isinstance(item, str) and "already on line 1" in item for item in items[1:])
    assert str(canonical_ref("telegram:-0500/07")) == "telegram:-500/7"


async def test_levels_already_in_the_store_count_toward_the_limit(settings, redis):
    services = build_services(settings, redis)
    ref = ChatRef("telegram", "1001")
    await services.registry.upsert_chat(ref, ChatKind.PRIVATE)
    for i in range(15):
        await services.registry.add_threshold(ref, Direction.BELOW, Decimal(60000 + i))
    adding = [{"direction": "above", "level": str(90000 + i)} for i in range(10)]
    [record] = read_records([line(thresholds=adding)], TOPICS, platforms=PLATFORMS)
    record.line = 7
    [problem] = await problems_with_the_store(services.registry, [record])
    assert problem.startswith("line 7: telegram:1001 has 15 price levels") and "25" in problem


async def test_a_bad_import_writes_nothing_and_says_why(subprocess_env, tmp_path, settings,
                                                        redis, monkeypatch):
    """100 chats, one bad on line 51 in a way only the writer used to notice: not one
    chat written, the line named, no traceback; the good file then imports whole."""
    for name, value in subprocess_env.items():
        if name.startswith("FEDALERT_"):
            monkeypatch.setenv(name, value)
    good = [line(ref=f"telegram:{2000 + n}") for n in range(100)]
    bad = list(good)
    bad[50] = line(ref="telegram:2050",
                   thresholds=[{"direction": "below", "level": str(1000 + i)} for i in range(25)])
    (tmp_path / "bad.jsonl").write_text("\n".join(bad) + "\n")
    (tmp_path / "good.jsonl").write_text("\n".join(good) + "\n")
    refused = await asyncio.to_thread(run_cli, "registry", "import", str(tmp_path / "bad.jsonl"))
    assert refused.returncode == 1 and "line 51: 25 price levels" in refused.stderr
    assert "Traceback" not in refused.stderr
    services = build_services(settings, redis)
    assert [r async for r in services.registry.iter_chats(1000)] == []
    done = await asyncio.to_thread(run_cli, "registry", "import", str(tmp_path / "good.jsonl"))
    assert done.returncode == 0, done.stderr
    assert "imported 100 chats (100 new" in done.stderr
    export = await asyncio.to_thread(run_cli, "registry", "export")
    assert "keep it private" in export.stderr
