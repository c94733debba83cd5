"""A rendered alert, independent of any chat platform.

The renderer fills a ``Section`` per language; each platform turns the sections into its
own markup (``bot.platforms.<name>``: Telegram's HTML, Discord's embeds, plain text for
the console and LINE), so the wording is decided once and only escaping differs.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True, slots=True)
class Section:
    """One language's block of an alert."""

    language: str
    title: str
    lines: tuple[str, ...]
    link: str | None = None
    link_label: str | None = None
    footer: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str) -> Section:
        data = json.loads(raw)
        data["lines"] = tuple(data["lines"])
        return cls(**data)


@dataclass(frozen=True, slots=True)
class AlertMessage:
    """What one chat receives: its language(s) of one event, plus an optional image."""

    event_key: str
    style: str  # cut | hike | hold | qt | qe | flat | price_up | price_down | odds | info
    sections: tuple[Section, ...]
    attachment: str | None = None
    silent: bool = field(default=False, compare=False)
    reply_to: str | None = field(default=None, compare=False)
    """The event key of the alert this one follows up (sent as a reply where possible)."""

    def to_text(self) -> str:
        blocks = []
        for section in self.sections:
            lines = [f"▍{section.title}", *section.lines]
            if section.footer:
                lines.append(section.footer)
            if section.link:
                lines.append(f"{section.link_label or ''} {section.link}".strip())
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as Telegram and LINE count (an emoji outside the BMP
    counts two)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int) -> list[str]:
    """Split into parts of at most ``limit`` UTF-16 units, on line boundaries when possible.

    Each line of a rendered alert carries complete tags, so cutting between lines keeps
    markup valid; a single over-long line is cut outside tags and entities.
    """
    if utf16_len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for piece in _line_pieces(text, limit):
        candidate = f"{current}\n{piece}" if current else piece
        if utf16_len(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        current = piece
    if current:
        parts.append(current)
    return parts


def _line_pieces(text: str, limit: int) -> list[str]:
    pieces: list[str] = []
    for line in text.split("\n"):
        while utf16_len(line) > limit:
            cut = limit
            while utf16_len(line[:cut]) > limit:
                cut -= 1
            tag_open, entity_open = line.rfind("<", 0, cut), line.rfind("&", 0, cut)
            if tag_open > line.rfind(">", 0, cut):
                cut = tag_open
            if entity_open > line.rfind(";", 0, cut):
                cut = min(cut, entity_open)
            if cut <= 0:
                cut = limit
            pieces.append(line[:cut])
            line = line[cut:]
        pieces.append(line)
    return pieces
