"""The cost of an idle ``fedalert run``: Redis commands a second, CPU, memory.

Starts its own embedded Valkey, then ``fedalert run`` on it with no chat token (the
console) and the sources off (no network here: what is measured is the core's own cost:
delivery workers, leader lease, heartbeat, scheduler, brief), waits for it to settle,
and measures over ``--seconds``: the server's processed-command count, the process's CPU
time (user + system) and its resident memory.
Usage: python bench/idle.py [--seconds 30]
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
    args = parser.parse_args()
    server = start_embedded(None, persist=False)
    try:
        with tempfile.TemporaryDirectory() as data:
            config = Path(data) / "settings.toml"
            config.write_text("")
            env = {k: v for k, v in os.environ.items() if not k.startswith("FEDALERT_")}
            env.update(FEDALERT_REDIS_URL=server.url, FEDALERT_CONFIG=str(config),
                       FEDALERT_DATA_DIR=data, FEDALERT_SOURCES__FOMC="false",
                       FEDALERT_SOURCES__H41="false", FEDALERT_SOURCES__ODDS="false",
                       FEDALERT_SOURCES__BTC="false", PYTHONUNBUFFERED="1")
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", env=env, cwd=ROOT,
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
            client = make_client(server.url)
            try:
                await asyncio.sleep(args.settle)
                start_cmds = int((await client.info("stats"))["total_commands_processed"])
                start_cpu, t0 = cpu_seconds(proc.pid), time.monotonic()
                await asyncio.sleep(args.seconds)
                end_cmds = int((await client.info("stats"))["total_commands_processed"])
                cpu, elapsed = cpu_seconds(proc.pid) - start_cpu, time.monotonic() - t0
                memory = rss_mb(proc.pid)
            finally:
                proc.terminate()
                await proc.wait()
                await client.aclose()
        # the INFO calls of this bench are in the count: two commands
        per_second = (end_cmds - start_cmds - 1) / elapsed
        print(f"idle fedalert run for {elapsed:.0f} s: {end_cmds - start_cmds} commands, "
              f"{cpu:.2f} s CPU, {memory:.0f} MB resident")
        print(f"redis_commands_per_s={per_second:.2f}")
        print(f"cpu_percent={100 * cpu / elapsed:.2f}")
        print(f"rss_mb={memory:.0f}")
    finally:
        server.stop()


if __name__ == "__main__":
    asyncio.run(main())
