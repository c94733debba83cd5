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

import hashlib
import json
import re
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.domain.brief import BriefSetting, next_due
from bot.domain.chats import ChatKind, ChatRef, Direction, Language, RepeatMode, check_timezone
from bot.domain.errors import UserInputError
from bot.store.briefs import BriefSchedule
from bot.store.registry import Registry, check_level, in_batches, parse_quiet_hours

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
    line: int = 0  # where it was read


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


MAX_LINE = 1_000_000  # characters: a chat's line is a few hundred; anything near this is not
MAX_PROBLEMS_NAMED = 50
NUMERIC_ID = re.compile(r"\s*[+-]?\d+(?:/\d+)?\s*")


def canonical_ref(text: Any, platforms: Iterable[str] | None = None) -> ChatRef:
    """``telegram:1001``, ``telegram:01001``, ``telegram:+1001`` and ``telegram: 1001`` are
    one chat: numeric ids (with a forum topic after ``/``) in their plain form, the
    platform lower-case and one of ``platforms`` when given."""
    if not isinstance(text, str):
        raise ValueError("ref must be a string such as telegram:1001")
    ref = ChatRef.parse(text.strip())
    platform, chat_id = ref.platform.strip().lower(), ref.chat_id
    if platforms is not None and platform not in set(platforms):
        raise ValueError(f"unknown platform {platform!r} (known: {', '.join(sorted(platforms))})")
    if NUMERIC_ID.fullmatch(chat_id):
        number, _, thread = chat_id.strip().partition("/")
        chat_id = str(int(number)) + (f"/{int(thread)}" if thread else "")
    elif chat_id != chat_id.strip() or not chat_id:
        raise ValueError(f"not a chat reference: {text!r}")
    return ChatRef(platform, chat_id)


def check_records(lines: Iterable[str], known_topics: Iterable[str], *,
                  platforms: Iterable[str] | None = None,
                  max_thresholds: int = 20) -> Iterator[ChatRecord | str]:
    """Each line checked as the store will write it: a ``ChatRecord``, or one problem
    (``"line N: why"``) per bad line. Streams: nothing but the refs seen is kept."""
    topics = set(known_topics)
    known = set(platforms) if platforms is not None else None
    seen: dict[bytes, int] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            if len(line) > MAX_LINE:
                raise ValueError(f"longer than {MAX_LINE:,} characters")
            data = json.loads(line)
            json.dumps(data, ensure_ascii=False).encode("utf-8")  # lone surrogates
            record = _record(data, topics, known, max_thresholds)
        except json.JSONDecodeError as exc:
            yield f"line {number}: not JSON ({exc.msg})"
            continue
        except RecursionError:
            yield f"line {number}: nested too deeply"
            continue
        except UnicodeError:
            yield f"line {number}: holds text that is not valid Unicode"
            continue
        except (KeyError, TypeError, ValueError, InvalidOperation, UserInputError) as exc:
            yield f"line {number}: {_reason(exc)}"
            continue
        digest = hashlib.blake2b(str(record.ref).encode(), digest_size=12).digest()
        if digest in seen:
            yield f"line {number}: {record.ref} already on line {seen[digest]}"
            continue
        seen[digest] = number
        record.line = number
        yield record


def read_records(lines: Iterable[str], known_topics: Iterable[str], *,
                 platforms: Iterable[str] | None = None,
                 max_thresholds: int = 20) -> list[ChatRecord]:
    """Every line checked; raises ``ImportProblem`` listing each bad one."""
    records: list[ChatRecord] = []
    problems: list[str] = []
    for item in check_records(lines, known_topics, platforms=platforms,
                              max_thresholds=max_thresholds):
        if isinstance(item, str):
            problems.append(item)
        else:
            records.append(item)
    if problems:
        raise ImportProblem(problems)
    return records


def _reason(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing {exc.args[0]!r}"
    if isinstance(exc, UserInputError):  # the store's own check: its code and the value
        return f"{exc.code.replace('_', ' ')}: {exc}"
    return str(exc) or type(exc).__name__


async def problems_with_the_store(registry: Registry, records: list[ChatRecord]) -> list[str]:
    """What the store would refuse that a line alone cannot show: a chat already there
    whose price levels and the imported ones together pass the limit."""
    problems = []
    stored = await registry.chats_with_thresholds([record.ref for record in records])
    for record, loaded in zip(records, stored, strict=True):
        if loaded is None or not record.thresholds:
            continue
        have = {(t.direction.value, check_level(t.level)) for t in loaded[2]}
        adding = {(item["direction"], check_level(Decimal(str(item["level"]))))
                  for item in record.thresholds}
        if len(have | adding) > registry.max_thresholds:
            problems.append(f"line {record.line}: {record.ref} has {len(have)} price levels in "
                            f"the store; with these it would have {len(have | adding)} (at "
                            f"most {registry.max_thresholds})")
    return problems


def _text(data: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    value = data[key] if required else data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{key} must be text, not {type(value).__name__}")
    return value


def _record(data: Any, topics: set[str], platforms: set[str] | None,
            max_thresholds: int) -> ChatRecord:
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    if data.get("format", FORMAT) != FORMAT:
        raise ValueError(f"format {data.get('format')} (this version reads {FORMAT})")
    ref = canonical_ref(data["ref"], platforms)
    active = data.get("active", True)
    if not isinstance(active, bool):
        raise ValueError(f"active must be true or false, not {json.dumps(active)}")
    listed = data.get("topics") or []
    if not isinstance(listed, list) or not all(isinstance(t, str) for t in listed):
        raise ValueError("topics must be a list of names")
    unknown = [t for t in listed if t not in topics]
    if unknown:
        raise ValueError(f"unknown topics {', '.join(unknown)}")
    quiet = _text(data, "quiet") or None
    if quiet:
        parse_quiet_hours(quiet)
    title = _text(data, "title")
    if title is not None and len(title) > 256:
        raise ValueError("title longer than 256 characters")
    raw_fields = data.get("fields") or {}
    if not isinstance(raw_fields, dict):
        raise ValueError("fields must be an object")
    fields: dict[str, str] = {}
    for key in FEATURE_FIELDS:
        if raw_fields.get(key) is not None:
            fields[key] = _text(raw_fields, key) or ""
    if fields.get("brief"):
        BriefSetting.parse(fields["brief"])
    levels = data.get("thresholds") or []
    if not isinstance(levels, list):
        raise ValueError("thresholds must be a list")
    if len(levels) > max_thresholds:
        raise ValueError(f"{len(levels)} price levels (at most {max_thresholds} a chat)")
    thresholds = []
    for item in levels:
        if not isinstance(item, dict):
            raise ValueError("a threshold must be an object")
        Direction(item["direction"])
        RepeatMode(item.get("mode", "once"))
        if not isinstance(item["level"], (str, int, float)) or isinstance(item["level"], bool):
            raise ValueError("a level must be a number")
        check_level(Decimal(str(item["level"])))
        expires = item.get("expires_at")
        if expires is not None and (not isinstance(expires, str)
                                    or datetime.fromisoformat(expires).tzinfo is None):
            raise ValueError("expires_at must be an ISO time with its zone")
        thresholds.append(item)
    return ChatRecord(
        ref=ref, kind=ChatKind(data["kind"]), language=Language(data["language"]),
        timezone=check_timezone(_text(data, "timezone", required=True) or ""),
        active=active, title=title or None, quiet=quiet, topics=list(listed),
        fields=fields, thresholds=thresholds)


async def import_records(registry: Registry, briefs: BriefSchedule,
                         records: Iterable[ChatRecord],
                         progress: Callable[[int, int], None] | None = None,
                         total: int | None = None) -> int:
    """Write checked records (a list, or a stream of ``total``); returns how many chats
    were new. Idempotent: after a failure part-way, the same import finishes the job."""
    if total is None:
        records = list(records)
        total = len(records)
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
            progress(done, total)
    return created
