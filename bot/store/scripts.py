"""Lua scripts (``bot/store/lua/*.lua``) registered once per client.

Scripts make the multi-key changes atomic; every key a script touches is passed in
``KEYS`` and shares one hash tag, so they also run on Redis Cluster.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from redis.asyncio import Redis
from redis.commands.core import AsyncScript


@cache
def _source(name: str) -> str:
    return resources.files("bot.store").joinpath("lua", f"{name}.lua").read_text("utf-8")


class Scripts:
    """Lazily registered scripts of one Redis client, looked up by file name."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._scripts: dict[str, AsyncScript] = {}

    def __getattr__(self, name: str) -> AsyncScript:
        if name.startswith("_"):
            raise AttributeError(name)
        script = self._scripts.get(name)
        if script is None:
            script = self._redis.register_script(_source(name))
            self._scripts[name] = script
        return script
