"""The cost of an idle ``fedalert run``: Redis commands a second, CPU, memory.

Starts its own embedded Valkey, then ``fedalert run`` on it with the sources off (no
network here: what is measured is the core's own cost: delivery workers, leader lease,
heartbeat, scheduler, brief), waits for it to settle, and measures over ``--seconds``:
the server's processed-command count, the process's CPU time (user + system) and its
resident memory. With ``--telegram`` both fedalert (with a token) and a minimal
python-telegram-bot bot long-poll a local Bot API stand-in, and the bot's CPU and memory
are printed beside fedalert's as the baseline.
Usage: python bench/idle.py [--seconds 30] [--telegram]
Prints its figures last as name=value lines.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.store.server import make_client, start_embedded

ROOT = Path(__file__).resolve().parents[1]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--settle", type=float, default=8.0)
    parser.add_argument("--telegram", action="store_true")
    parser.add_argument("--cluster", action="store_true",
                        help="on a local three-master Redis Cluster the bench starts")
    args = parser.parse_args()
    if args.cluster:
        from bot.store.cluster import start_cluster

        server: Any = start_cluster()
        nodes = [f"redis://127.0.0.1:{port}" for port in server.ports]
    else:
        server = start_embedded(None, persist=False)
        nodes = [server.url]
    api = None
    if args.telegram:
        from tests.servers import LocalServer
        from tests.telegram_standin import TOKEN, TelegramStandIn

        api = LocalServer(TelegramStandIn().app())
        await api.__aenter__()
    try:
        with tempfile.TemporaryDirectory() as data:
            config = Path(data) / "settings.toml"
            config.write_text("")
            env = {k: v for k, v in os.environ.items() if not k.startswith("FEDALERT_")}
            env.update(FEDALERT_REDIS_URL=server.url, FEDALERT_CONFIG=str(config),
                       FEDALERT_DATA_DIR=data, FEDALERT_SOURCES__FOMC="false",
                       FEDALERT_SOURCES__H41="false", FEDALERT_SOURCES__ODDS="false",
                       FEDALERT_SOURCES__BTC="false", FEDALERT_MACRO__ENABLED="false",
                       PYTHONUNBUFFERED="1")
            baseline = None
            if api is not None:
                env.update(FEDALERT_TELEGRAM__TOKEN=TOKEN, FEDALERT_TELEGRAM__API_URL=api.url)
                baseline = await asyncio.create_subprocess_exec(
                    sys.executable, "-c", BASELINE, TOKEN, api.url, cwd=ROOT,
                    stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", env=env, cwd=ROOT,
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
            clients = [make_client(url) for url in nodes]

            async def processed() -> int:
                return sum([int((await c.info("stats"))["total_commands_processed"])
                            for c in clients])

            try:
                await asyncio.sleep(args.settle)
                start_cmds = await processed()
                start_cpu, t0 = cpu_seconds(proc.pid), time.monotonic()
                base_cpu0 = cpu_seconds(baseline.pid) if baseline else 0.0
                await asyncio.sleep(args.seconds)
                end_cmds = await processed()
                cpu, elapsed = cpu_seconds(proc.pid) - start_cpu, time.monotonic() - t0
                memory = rss_mb(proc.pid)
                base_cpu = cpu_seconds(baseline.pid) - base_cpu0 if baseline else 0.0
                base_memory = rss_mb(baseline.pid) if baseline else 0.0
            finally:
                for child in (proc, baseline):
                    if child is not None:
                        child.terminate()
                        await child.wait()
                for c in clients:
                    await c.aclose()
        # the INFO calls of this bench are in the count: one per node
        per_second = (end_cmds - start_cmds - len(nodes)) / elapsed
        print(f"idle fedalert run for {elapsed:.0f} s: {end_cmds - start_cmds} commands, "
              f"{cpu:.2f} s CPU, {memory:.0f} MB resident")
        if args.telegram:
            print(f"baseline (a minimal python-telegram-bot bot, long polling): "
                  f"{base_cpu:.2f} s CPU, {base_memory:.0f} MB")
            print(f"baseline_cpu_percent={100 * base_cpu / elapsed:.2f}")
            print(f"baseline_rss_mb={base_memory:.0f}")
            print(f"cpu_vs_baseline={cpu / base_cpu if base_cpu else float('inf'):.1f}")
        print(f"redis_commands_per_s={per_second:.2f}")
        print(f"cpu_percent={100 * cpu / elapsed:.2f}")
        print(f"rss_mb={memory:.0f}")
    finally:
        if api is not None:
            await api.__aexit__(None, None, None)
        server.stop()


BASELINE = """
import sys
from telegram.ext import Application, CommandHandler

async def start(update, context):
    await update.message.reply_text("hi")

token, api = sys.argv[1], sys.argv[2]
app = (Application.builder().token(token).base_url(api + "/bot")
       .base_file_url(api + "/file/bot").build())
app.add_handler(CommandHandler("start", start))
app.run_polling(timeout=10)
"""


if __name__ == "__main__":
    asyncio.run(main())
