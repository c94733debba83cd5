"""The Redis key schema (documented in docs/redis-keys.md).

Chats are spread over ``partitions`` hash-tag groups: every key that changes together with
a chat (its settings, its topic memberships, its thresholds, the outbox streams its
deliveries go through) carries the same ``{pNN}`` tag, so multi-key scripts and
transactions work on Redis Cluster, and the work spreads over its nodes. Keys that belong
to one event or to the whole deployment have no tag and are only touched one at a time.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from bot.domain.chats import ChatRef, Topic


@dataclass(frozen=True, slots=True)
class Partition:
    """One hash-tag group of keys."""

    prefix: str
    index: int

    @property
    def tag(self) -> str:
        return f"{self.prefix}:{{p{self.index:02d}}}"

    def chat(self, ref: ChatRef | str) -> str:
        return f"{self.tag}:chat:{ref}"

    @property
    def chats(self) -> str:
        return f"{self.tag}:chats"

    def topic(self, topic: Topic | str) -> str:
        return f"{self.tag}:topic:{topic}"

    def thresholds(self, ref: ChatRef | str) -> str:
        return f"{self.tag}:thr:{ref}"

    @property
    def levels_up(self) -> str:
        """Sorted set of levels that fire on a rise (``above`` and ``cross``)."""
        return f"{self.tag}:levels:up"

    @property
    def levels_down(self) -> str:
        """Sorted set of levels that fire on a fall (``below`` and ``cross``)."""
        return f"{self.tag}:levels:down"

    @property
    def rearm_up(self) -> str:
        """Levels waiting to re-arm once the price is back above them (plus the band)."""
        return f"{self.tag}:rearm:up"

    @property
    def rearm_down(self) -> str:
        """Levels waiting to re-arm once the price is back below them (minus the band)."""
        return f"{self.tag}:rearm:down"

    def level_keys(self) -> list[str]:
        """levels-up, levels-down, rearm-up, rearm-down: the KEYS order of the level scripts."""
        return [self.levels_up, self.levels_down, self.rearm_up, self.rearm_down]

    @property
    def briefs(self) -> str:
        """Sorted set: chats with a morning brief, scored by when the next one is due."""
        return f"{self.tag}:brief:due"

    def sent(self, event_key: str) -> str:
        return f"{self.tag}:sent:{event_key}"

    def outbox(self, platform: str) -> str:
        return f"{self.tag}:outbox:{platform}"

    def delayed(self, platform: str) -> str:
        return f"{self.tag}:delayed:{platform}"

    def queued(self, platform: str) -> str:
        """Deliveries (chats) in the outbox stream not yet settled: an entry may carry
        several chats, so the stream's length alone does not say how many."""
        return f"{self.tag}:queued:{platform}"

    def done(self, platform: str, entry_id: str) -> str:
        """The chats of one multi-chat entry already settled (a reclaim skips them)."""
        return f"{self.tag}:done:{platform}:{entry_id}"

    def dead(self, platform: str) -> str:
        return f"{self.tag}:dead:{platform}"


@dataclass(frozen=True, slots=True)
class KeySchema:
    prefix: str
    partitions: int

    def partition_of(self, ref: ChatRef | str) -> Partition:
        index = zlib.crc32(str(ref).encode()) % self.partitions
        return Partition(self.prefix, index)

    def all_partitions(self) -> Iterator[Partition]:
        for index in range(self.partitions):
            yield Partition(self.prefix, index)

    # Deployment-wide keys --------------------------------------------------------------
    @property
    def meta(self) -> str:
        return f"{self.prefix}:meta"

    @property
    def leader(self) -> str:
        return f"{self.prefix}:leader"

    def instance(self, instance_id: str) -> str:
        return f"{self.prefix}:instance:{instance_id}"

    # Event-scoped keys -------------------------------------------------------------------
    def event(self, event_key: str) -> str:
        return f"{self.prefix}:event:{event_key}"

    def rendered(self, event_key: str) -> str:
        return f"{self.prefix}:msg:{event_key}"

    def attachment(self, event_key: str) -> str:
        return f"{self.prefix}:att:{event_key}"

    def handled_update(self, platform: str, update_id: int) -> str:
        """An update a front end has handled (kept an hour): not answered twice."""
        return f"{self.prefix}:update:{platform}:{update_id}"

    def wakeup(self, platform: str) -> str:
        """Pub/sub channel: new deliveries queued (idle workers on a cluster listen)."""
        return f"{self.prefix}:wakeup:{platform}"

    def delayed_index(self, platform: str) -> str:
        """Sorted set: partition number → when its earliest delayed delivery is due (ms),
        so an idle worker asks one key instead of every partition."""
        return f"{self.prefix}:delayed-due:{platform}"

    @property
    def pending_fanouts(self) -> str:
        return f"{self.prefix}:fanout:pending"

    def latest(self, name: str) -> str:
        """The latest reading of a source (what ``/status`` shows)."""
        return f"{self.prefix}:latest:{name}"

    def state(self, name: str) -> str:
        """A watcher's own state (last seen ETag, guids, ...)."""
        return f"{self.prefix}:state:{name}"

    def history(self, name: str) -> str:
        return f"{self.prefix}:history:{name}"

    def pattern(self) -> str:
        return f"{self.prefix}:*"
