import asyncio
import inspect
import itertools
from collections import Counter

from bot.domain.chats import ChatKind, ChatRef, Language
from bot.pipeline.deliver import DeliveryWorker
from bot.platforms.base import Failed, Gone, Moved, RetryAfter
from tests.helpers import RecordingTransport, fomc_event, wait_for

STORES = ("single", "cluster")  # each test on one server and on a cluster


async def add_chats(services, n, platform="console", topics=("fomc",), **kw):
    refs = []
    for i in range(n):
        ref = ChatRef(platform, f"c{i:05d}")
        await services.registry.upsert_chat(ref, ChatKind.PRIVATE, **kw)
        await services.registry.subscribe(ref, *topics)
        refs.append(ref)
    return refs


async def run_worker(services, transport, until, timeout=10.0):
    """Run one delivery worker until ``until()`` (a bool, or an awaitable of one) holds."""
    stop = asyncio.Event()
    worker = DeliveryWorker(services.outbox, services.registry, services.messages, transport,
                            "w1")
    task = asyncio.create_task(worker.run(stop))
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            done = until()
            if inspect.isawaitable(done):
                done = await done
            if done:
                break
            assert asyncio.get_running_loop().time() < deadline, "timed out"
            await asyncio.sleep(0.02)
    finally:
        stop.set()
        await task
    assert not task.exception()


async def test_fan_out_is_idempotent(services):
    refs = await add_chats(services, 250)
    event = fomc_event()
    first = await services.publisher.publish(event)
    again = await services.publisher.publish(event)
    assert (first.status, first.queued) == ("new", 250)
    assert (again.status, again.queued) == ("duplicate", 0)
    # even a raw second fan-out of the same event queues nothing
    assert await services.outbox.fan_out_topic(event.key, "fomc") == 0
    transport = RecordingTransport()
    await run_worker(services, transport, lambda: len(transport.sent) >= 250)
    await asyncio.sleep(0.3)
    assert sorted(ref for ref, _ in transport.sent) == sorted(str(r) for r in refs)
    backlog = await services.outbox.backlog("console")
    assert backlog == {"queued": 0, "pending": 0, "delayed": 0, "dead": 0}


async def test_each_chat_gets_its_language_and_zone(services):
    zh = ChatRef("console", "zh")
    en = ChatRef("console", "en")
    await services.registry.upsert_chat(zh, ChatKind.PRIVATE, language=Language.ZH_HANT)
    await services.registry.upsert_chat(en, ChatKind.PRIVATE, language=Language.EN,
                                        timezone="America/New_York")
    for ref in (zh, en):
        await services.registry.subscribe(ref, "fomc")
    await services.publisher.publish(fomc_event())
    transport = RecordingTransport()
    await run_worker(services, transport, lambda: len(transport.sent) == 2)
    messages = dict(transport.sent)
    assert [s.language for s in messages["console:zh"].sections] == ["zh-Hant"]
    assert [s.language for s in messages["console:en"].sections] == ["en"]
    assert "台灣時間" in messages["console:zh"].to_text()
    assert "Taipei" not in messages["console:en"].to_text()


async def test_inactive_chats_are_not_fanned_out(services):
    refs = await add_chats(services, 3)
    await services.registry.deactivate(refs[0], "blocked")
    assert (await services.publisher.publish(fomc_event())).queued == 2


async def test_retry_after_gone_moved_and_dead_letter(services):
    refs = await add_chats(services, 4, platform="telegram")
    flaky, blocked, migrated, broken = refs
    new_id = "-100777"

    def script(chat, call):
        ref = str(chat.ref)
        if ref == str(flaky) and call == 1:
            return RetryAfter(0.2)
        if ref == str(blocked):
            return Gone("Forbidden: bot was blocked by the user")
        if ref == str(migrated):
            return Moved(new_id)
        if ref == str(broken):
            return Failed("Bad Gateway")
        from bot.platforms.base import Delivered
        return Delivered()

    services.outbox.settings = services.outbox.settings.model_copy(update={"max_attempts": 3})
    transport = RecordingTransport("telegram", script)
    await services.publisher.publish(fomc_event())

    async def dead_count():
        return (await services.outbox.backlog("telegram"))["dead"]

    dead = 0

    def done():
        return len(transport.sent) >= 2 and dead >= 1

    stop = asyncio.Event()
    worker = DeliveryWorker(services.outbox, services.registry, services.messages, transport, "w")
    task = asyncio.create_task(worker.run(stop))
    try:
        for _ in range(300):
            dead = await dead_count()
            if done():
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await task
    assert done(), (transport.sent, dead)
    sent_to = Counter(ref for ref, _ in transport.sent)
    assert sent_to == {str(flaky): 1, f"telegram:{new_id}": 1}
    assert transport.calls[str(broken)] == 3  # max_attempts, then the dead-letter stream
    assert not (await services.registry.get_chat(blocked)).active
    assert await services.registry.get_chat(migrated) is None
    assert (await services.registry.get_chat(ChatRef("telegram", new_id))).topics == {"fomc"}


async def test_interrupted_fan_out_is_resumed(services):
    await add_chats(services, 10)
    event = fomc_event()
    # a crash right after the record was stored, before any delivery was queued
    assert await services.records.save_event(event, {"topic": "fomc"}) == "new"
    assert await services.publisher.resume_pending() == 1
    assert (await services.outbox.backlog("console"))["queued"] == 10
    assert await services.publisher.resume_pending() == 0
    # the poller seeing the statement again does not queue it twice
    assert (await services.publisher.publish(event)).status == "duplicate"


async def test_explicit_chat_audience(services):
    refs = await add_chats(services, 5, topics=())
    result = await services.publisher.publish(fomc_event(), chats=refs[:2] + refs[:1])
    assert result.queued == 2


async def test_rendered_once_per_language_and_zone(services, redis):
    await add_chats(services, 30, language=Language.BOTH)
    event = fomc_event()
    await services.publisher.publish(event)
    transport = RecordingTransport()
    await run_worker(services, transport, lambda: len(transport.sent) == 30)
    fields = await redis.hkeys(services.keys.rendered(event.key))
    assert sorted(fields) == ["en|Asia/Taipei", "zh-Hant|Asia/Taipei"]


async def test_one_send_budget_for_every_instance(redis, prefix):
    """Two instances' pacers reserve slots in one budget: together they keep the overall
    rate and each chat's; a 429 one of them gets holds the chat for both."""
    from bot.platforms.pacing import Pacer
    from bot.store.budget import SendBudget

    def pacer():
        budget = SendBudget(redis, prefix, "telegram", per_second=10, group_per_minute=20,
                            private_per_second=1)
        return Pacer(shared=budget), budget

    (first, budget_a), (second, budget_b) = pacer(), pacer()
    delays = []
    for n in range(10):
        delays.append(await budget_a.reserve(f"c{n}", group=False) if n % 2 else
                      await budget_b.reserve(f"c{n}", group=False))
    steps = [b - a for a, b in itertools.pairwise(delays)]
    assert all(0.07 <= step <= 0.13 for step in steps), delays  # 10 a second, together
    again = await budget_b.reserve("c1", group=False)  # c1 was served by the other one
    assert again >= 0.8 or again < 0
    busy = await budget_a.reserve("g", group=True) and await budget_a.reserve("g", group=True)
    assert busy < 0  # a group's next slot is 3 s away: not waited for
    await first.refused_shared("c5", 4)
    assert await budget_b.reserve("c5", group=False) < -3  # held for the other one too
    assert await second.wait("c7", group=False) is not None  # busy for both instances


async def test_the_dead_letter_log_keeps_the_latest_not_everything(services, monkeypatch):
    """Months of failures must not grow the store without end: each partition's dead
    letters are trimmed to about ``DEAD_KEPT`` (here 10; trimming is approximate, by
    whole stream nodes of 100 entries)."""
    from bot.store import outbox as outbox_module

    monkeypatch.setattr(outbox_module, "DEAD_KEPT", 10)
    refs = [ChatRef("console", f"d{i:04d}") for i in range(600)]
    for ref in refs:
        await services.registry.upsert_chat(ref, ChatKind.PRIVATE)
    await services.publisher.publish(fomc_event(), chats=refs)
    while batch := await services.outbox.read("console", "w", 200):
        for delivery in batch:
            await services.outbox.dead_letter(delivery, "Bad Gateway")
    dead = (await services.outbox.backlog("console"))["dead"]
    assert 0 < dead < len(refs) // 2, dead  # 4 partitions of ~150: a whole node each gone


async def outbox_entries(services, platform="console"):
    entries = []
    for part in services.keys.all_partitions():
        entries.extend(await services.redis.xrange(part.outbox(platform)))
    return entries


async def done_sets(services):
    found = []
    for part in services.keys.all_partitions():
        found.extend([key async for key in services.redis.scan_iter(
            match=f"{part.tag}:done:*", count=1000)])
    return found


async def test_a_fan_out_entry_carries_several_chats_and_leaves_with_its_last(services):
    """A topic's fan-out puts up to ``chats_per_entry`` chats in one entry; the gauges
    still count chats, and the entry (with its done set) is gone once all are sent."""
    refs = await add_chats(services, 90)
    await services.publisher.publish(fomc_event())
    entries = await outbox_entries(services)
    assert len(entries) < 90 // 2  # 4 partitions, 20 chats an entry
    assert sorted(c for _, f in entries for c in f.get("cs", f.get("c", "")).split("\n")) \
        == sorted(str(r) for r in refs)
    assert (await services.outbox.backlog("console"))["queued"] == 90
    transport = RecordingTransport()
    await run_worker(services, transport, lambda: len(transport.sent) >= 90)
    await asyncio.sleep(0.2)
    assert Counter(ref for ref, _ in transport.sent) == Counter(str(r) for r in refs)
    assert await outbox_entries(services) == []
    assert await done_sets(services) == []
    assert (await services.outbox.backlog("console"))["queued"] == 0


async def test_a_taken_over_entry_sends_only_the_chats_not_yet_settled(services):
    """A worker settles some chats of its entries and dies: the worker that takes the
    entries over gets only the rest, and settling a chat twice changes nothing."""
    await add_chats(services, 60)
    await services.publisher.publish(fomc_event())
    outbox = services.outbox
    taken = await outbox.read("console", "dead-instance-0", 10_000)
    while len(taken) < 60:  # one entry per partition a read
        more = await outbox.read("console", "dead-instance-0", 10_000)
        assert more, len(taken)
        taken.extend(more)
    settled, left = taken[::2], taken[1::2]
    for delivery in settled:
        await outbox.ack(delivery)
    await outbox.ack(settled[0])  # a second settle of the same chat: no change
    await outbox.retry_later(settled[1], 0.0)  # nor a retry of a settled chat
    assert (await outbox.backlog("console"))["queued"] == len(left)
    assert (await outbox.backlog("console"))["delayed"] == 0
    rescued = await outbox.reclaim_from_stopped("console", "rescuer-0", 10_000)
    assert sorted(str(d.chat) for d in rescued) == sorted(str(d.chat) for d in left)
    for delivery in rescued:
        await outbox.ack(delivery)
    assert await outbox_entries(services) == []
    assert await done_sets(services) == []
    assert (await outbox.backlog("console"))["queued"] == 0
    # the first worker, slow but alive, settles its copy after the entry is gone
    await outbox.retry_later(left[0], 0.0)
    await outbox.ack(left[1])
    assert await done_sets(services) == []
    backlog = await outbox.backlog("console")
    assert backlog["delayed"] == 0 and backlog["queued"] == 0


async def test_one_chat_an_entry_for_workers_of_an_older_version(services):
    """``chats_per_entry = 1`` queues entries as fedalert 0.1 wrote them (a rolling
    upgrade): one ``c`` field each."""
    services.outbox.settings = services.outbox.settings.model_copy(
        update={"chats_per_entry": 1})
    await add_chats(services, 7)
    await services.publisher.publish(fomc_event())
    entries = await outbox_entries(services)
    assert len(entries) == 7 and all(set(f) == {"e", "c"} for _, f in entries)


async def test_a_batch_longer_than_the_reclaim_idle_time_is_not_taken_over(services):
    """A live worker whose batch outlasts ``reclaim_idle_seconds`` (a slow platform, a
    shared budget) keeps its entries: a second worker sends none of them again."""
    services.outbox.settings = services.outbox.settings.model_copy(
        update={"reclaim_idle_seconds": 0.3})
    refs = await add_chats(services, 24)
    await services.publisher.publish(fomc_event())
    for instance in ("first", "second"):  # both alive, as their heartbeats say
        await services.redis.set(services.keys.instance(instance), "alive", ex=60)

    class Slow(RecordingTransport):
        async def deliver(self, chat, message, attachment):
            await asyncio.sleep(0.1)
            return await super().deliver(chat, message, attachment)

    slow, other = Slow(), RecordingTransport()
    stop = asyncio.Event()
    first = DeliveryWorker(services.outbox, services.registry, services.messages, slow,
                           "first-0", concurrency=1)
    task = asyncio.create_task(first.run(stop))
    await wait_for(lambda: len(slow.sent) >= 1)  # it holds every entry now (one batch)
    second = DeliveryWorker(services.outbox, services.registry, services.messages, other,
                            "second-0")
    task2 = asyncio.create_task(second.run(stop))
    try:
        await wait_for(lambda: len(slow.sent) + len(other.sent) >= 24, timeout=15)
        await asyncio.sleep(0.5)
    finally:
        stop.set()
        await asyncio.gather(task, task2)
    sent = Counter(ref for ref, _ in slow.sent + other.sent)
    assert sent == Counter(str(r) for r in refs)


async def test_a_malformed_entry_is_set_aside_and_the_rest_delivered(services, caplog):
    """Entries no version of fedalert writes (by hand, a broken tool) go to the dead
    letters with the reason; the good ones read with them are delivered at once."""
    refs = await add_chats(services, 12)
    await services.publisher.publish(fomc_event())
    part = services.keys.partition_of(refs[0])
    stream = part.outbox("console")
    for fields in ({"e": "fomc:x"}, {"e": "fomc:x", "c": "no-colon"},
                   {"e": "fomc:x", "cs": "console:a\nbad"}, {"e": "fomc:x", "c": "console:a",
                                                           "a": "many"}):
        await services.redis.xadd(stream, fields)
    transport = RecordingTransport()

    async def settled():
        return len(transport.sent) >= 12 and \
            (await services.outbox.backlog("console"))["dead"] == 4

    await run_worker(services, transport, settled, timeout=5)
    assert sorted(ref for ref, _ in transport.sent) == sorted(str(r) for r in refs)
    backlog = await services.outbox.backlog("console")
    assert backlog["dead"] == 4 and backlog["queued"] == 0, backlog
    dead = await services.redis.xrange(part.dead("console"))
    assert all(f["error"].startswith("malformed entry") for _, f in dead)
    assert "is not a delivery" in caplog.text


async def test_the_operator_sees_and_requeues_dead_letters(services, subprocess_env,
                                                            monkeypatch):
    """`fedalert outbox status|dead|requeue`: after a platform refused for good, the
    operator reads why and sends the recent letters again; old ones stay."""
    from tests.helpers import run_cli

    for name, value in subprocess_env.items():
        if name.startswith("FEDALERT_"):
            monkeypatch.setenv(name, value)
    refs = await add_chats(services, 3)
    await services.publisher.publish(fomc_event())
    broken = RecordingTransport(script=lambda chat, call: Failed("Bad Gateway",
                                                                 permanent=True))

    async def dead():
        return (await services.outbox.backlog("console"))["dead"] == 3

    await run_worker(services, broken, dead, timeout=5)
    old = services.keys.partition_of(refs[0]).dead("console")
    token_url = "https://api.telegram.org/bot123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ/sendMessage"
    await services.redis.xadd(old, {"e": "fomc:old", "c": "console:c00000", "a": "8",
                                    "error": f"timeout at {token_url}", "at": "1000"})
    status = await asyncio.to_thread(run_cli, "outbox", "status", "--platform", "console")
    assert status.returncode == 0 and "console: 0 queued" in status.stdout
    assert "4 dead" in status.stdout, status.stdout
    listed = await asyncio.to_thread(run_cli, "outbox", "dead", "--platform", "console")
    assert listed.stdout.count("Bad Gateway") == 3 and "1970-01-01" in listed.stdout
    assert "ABCDEFGHIJ" not in listed.stdout and "bot***" in listed.stdout  # never a token
    requeued = await asyncio.to_thread(run_cli, "outbox", "requeue", "--platform", "console")
    assert "console: 3 requeued" in requeued.stdout, requeued.stdout
    transport = RecordingTransport()
    await run_worker(services, transport, lambda: len(transport.sent) >= 3)
    assert sorted(ref for ref, _ in transport.sent) == sorted(str(r) for r in refs)
    assert (await services.outbox.backlog("console"))["dead"] == 1  # the old one stays
    wrong = await asyncio.to_thread(run_cli, "outbox", "status", "--platform", "fax")
    assert wrong.returncode == 2 and "no platform 'fax'" in wrong.stderr
    everything = await asyncio.to_thread(run_cli, "outbox", "status")
    assert "console: 0 queued" in everything.stdout and "telegram" not in everything.stdout


async def test_an_entry_naming_a_chat_twice_sends_once_and_leaves(services):
    refs = await add_chats(services, 2)
    await services.records.save_event(fomc_event(), {"topic": "fomc"})
    part = services.keys.partition_of(refs[0])
    twice = "\n".join([str(refs[0]), str(refs[0])])
    await services.redis.xadd(part.outbox("console"), {"e": fomc_event().key, "cs": twice})
    transport = RecordingTransport()
    await run_worker(services, transport, lambda: len(transport.sent) >= 1)
    await asyncio.sleep(0.2)
    assert [ref for ref, _ in transport.sent] == [str(refs[0])]
    assert await outbox_entries(services) == [] and await done_sets(services) == []
