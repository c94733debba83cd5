"""Registry export and import, one chat per JSON line.

``fedalert registry export > chats.jsonl`` writes every chat with its kind, language,
zone, quiet hours, topics, state (active or not), its features' settings (morning brief,
liquidity alerts) and its BTC levels; ``fedalert registry import chats.jsonl`` reads them
into another store (the embedded one → Redis, or a cluster). Import is idempotent (a
chat already there is updated, a level already there is kept) and all-or-nothing
against bad input: every line is checked first, each bad one named with its number and
reason, and nothing is written unless all are good. A webhook's token travels with its
chat (the file is as secret as the store).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.domain.brief import BriefSetting, next_due
from bot.domain.chats import ChatKind, ChatRef, Direction, Language, RepeatMode, check_timezone
from bot.domain.errors import UserInputError
from bot.store.briefs import BriefSchedule
from bot.store.registry import Registry, in_batches, parse_quiet_hours

FORMAT = 1
FEATURE_FIELDS = ("brief", "liquidity", "configured_by", "secret")


class ImportProblem(ValueError):
    """Lines that cannot be imported, each with its number and reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class ChatRecord:
    ref: ChatRef
    kind: ChatKind
    language: Language
    timezone: str
    active: bool = True
    title: str | None = None
    quiet: str | None = None
    topics: list[str] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)
    thresholds: list[dict[str, Any]] = field(default_factory=list)


async def export_chats(registry: Registry, batch: int = 1000) -> AsyncIterator[str]:
    """Every chat as one JSON line (active or not, in no particular order), read a
    thousand chats per round trip."""
    async for refs in in_batches(registry.iter_chats(batch), batch):
        for loaded in await registry.chats_with_thresholds(refs):
            if loaded is None:
                continue
            chat, data, thresholds = loaded
            fields = {name: data[name] for name in FEATURE_FIELDS if data.get(name)}
            levels = [{"direction": t.direction.value, "level": str(t.level),
                       "mode": t.mode.value,
                       **({"expires_at": t.expires_at.isoformat()} if t.expires_at else {})}
                      for t in thresholds]
            yield json.dumps({
                "format": FORMAT, "ref": str(chat.ref), "kind": chat.kind.value,
                "language": chat.language.value, "timezone": chat.timezone,
                "active": chat.active, "title": chat.title,
                "quiet": str(chat.quiet_hours) if chat.quiet_hours else None,
                "topics": sorted(chat.topics), "fields": fields, "thresholds": levels,
            }, ensure_ascii=False)


def read_records(lines: Iterable[str], known_topics: Iterable[str]) -> list[ChatRecord]:
    """Every line checked; raises ``ImportProblem`` listing each bad one."""
    topics = set(known_topics)
    records: list[ChatRecord] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = _record(json.loads(line), topics)
        except json.JSONDecodeError as exc:
            problems.append(f"line {number}: not JSON ({exc.msg})")
            continue
        except (KeyError, TypeError, ValueError, InvalidOperation, UserInputError) as exc:
            problems.append(f"line {number}: {_reason(exc)}")
            continue
        if str(record.ref) in seen:
            problems.append(f"line {number}: {record.ref} already on line {seen[str(record.ref)]}")
            continue
        seen[str(record.ref)] = number
        records.append(record)
    if problems:
        raise ImportProblem(problems)
    return records


def _reason(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing {exc.args[0]!r}"
    return str(exc) or type(exc).__name__


def _record(data: Any, topics: set[str]) -> ChatRecord:
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    if data.get("format", FORMAT) != FORMAT:
        raise ValueError(f"format {data.get('format')} (this version reads {FORMAT})")
    ref = ChatRef.parse(str(data["ref"]))
    unknown = [t for t in data.get("topics") or [] if t not in topics]
    if unknown:
        raise ValueError(f"unknown topics {', '.join(unknown)}")
    quiet = data.get("quiet") or None
    if quiet:
        parse_quiet_hours(quiet)
    fields = {str(k): str(v) for k, v in (data.get("fields") or {}).items()
              if k in FEATURE_FIELDS}
    if fields.get("brief"):
        BriefSetting.parse(fields["brief"])
    thresholds = []
    for item in data.get("thresholds") or []:
        Direction(item["direction"])
        RepeatMode(item.get("mode", "once"))
        if Decimal(str(item["level"])) <= 0:
            raise ValueError(f"level {item['level']} is not positive")
        if item.get("expires_at"):
            datetime.fromisoformat(item["expires_at"])
        thresholds.append(item)
    return ChatRecord(
        ref=ref, kind=ChatKind(data["kind"]), language=Language(data["language"]),
        timezone=check_timezone(str(data["timezone"])), active=bool(data.get("active", True)),
        title=data.get("title") or None, quiet=quiet, topics=list(data.get("topics") or []),
        fields=fields, thresholds=thresholds)


async def import_records(registry: Registry, briefs: BriefSchedule, records: list[ChatRecord],
                         progress: Callable[[int, int], None] | None = None) -> int:
    """Write checked records; returns how many chats were new."""
    created = 0
    now = datetime.now(UTC)
    for done, record in enumerate(records, 1):
        if await registry.upsert_chat(record.ref, record.kind, language=record.language,
                                      timezone=record.timezone, title=record.title):
            created += 1
        await registry.set_language(record.ref, record.language)
        await registry.set_timezone(record.ref, record.timezone)
        await registry.set_quiet_hours(record.ref, record.quiet)
        await registry.set_topics(record.ref, record.topics)
        for name, value in record.fields.items():
            if name != "brief":
                await registry.set_field(record.ref, name, value)
        brief = BriefSetting.parse(record.fields["brief"]) if record.fields.get("brief") \
            else None
        await briefs.set(record.ref, brief,
                         next_due(brief, record.timezone, now) if brief else None)
        for item in record.thresholds:
            expires = item.get("expires_at")
            await registry.add_threshold(
                record.ref, Direction(item["direction"]), Decimal(str(item["level"])),
                mode=RepeatMode(item.get("mode", "once")),
                expires_at=datetime.fromisoformat(expires) if expires else None)
        if not record.active:
            await registry.deactivate(record.ref, "imported as inactive")
        else:
            await registry.reactivate(record.ref)
        if progress is not None:
            progress(done, len(records))
    return created
