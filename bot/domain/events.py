"""Domain events: what happened in the world, before anyone decided how to say it.

Events are immutable pydantic models so they serialise to Redis and back unchanged. Each
has a ``key`` derived only from the real-world happening (never from the time we noticed
it or the instance that did): two instances, or one instance after a restart, produce the
same key for the same statement, release or crossing, and the outbox delivers it once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class BaseEvent(Frozen):
    kind: str
    occurred_at: datetime = Field(description="When it happened (UTC), e.g. the release time")
    late: bool = Field(False, description="Detected after a gap (restart, outage): say so")
    illustrative: bool = Field(False, description="From made-up figures (a demo scenario "
                               "without a real recording): every rendering says so")

    @property
    def key(self) -> str:  # pragma: no cover - every kind overrides it
        raise NotImplementedError

    @property
    def topic(self) -> str:  # pragma: no cover
        raise NotImplementedError

    @property
    def follows_up(self) -> str | None:
        """The key of the alert this one follows (the decision, for the implementation
        note that came after it): platforms that can thread it send it as a reply there."""
        return None


class EventTypes:
    """Event classes by ``kind``, for reading stored events back.

    Each topic registers its own event classes through the catalog; the store only
    needs this lookup, so a new topic's events need no edit in the core.
    """

    def __init__(self, classes: Iterable[type[BaseEvent]] = ()) -> None:
        self._classes: dict[str, type[BaseEvent]] = {}
        for cls in classes:
            self.register(cls)

    def register(self, cls: type[BaseEvent]) -> None:
        kind = cls.model_fields["kind"].default
        if not isinstance(kind, str):
            raise TypeError(f"{cls.__name__}.kind needs a literal default")
        known = self._classes.get(kind)
        if known is not None and known is not cls:
            raise ValueError(f"event kind {kind!r} registered twice")
        self._classes[kind] = cls

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self._classes)

    def from_json(self, raw: str | bytes) -> BaseEvent:
        kind = _kind_of(raw)
        cls = self._classes.get(kind)
        if cls is None:
            raise UnknownEventKind(kind)
        return cls.model_validate_json(raw)


class UnknownEventKind(ValueError):
    """A stored event of a kind no registered topic knows (a topic was removed)."""


def _kind_of(raw: str | bytes) -> str:
    data = json.loads(raw)
    return str(data.get("kind", "")) if isinstance(data, dict) else ""


def event_to_json(event: BaseEvent) -> str:
    return event.model_dump_json()
