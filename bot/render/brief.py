"""The morning brief's text: its lines were composed when it was due, per language."""

from __future__ import annotations

from bot.domain.brief import MorningBrief
from bot.render.formatting import Formatter
from bot.render.message import Section


def render_brief(event: MorningBrief, f: Formatter, zone: str) -> Section:
    language = f.language.value
    return Section(language=language, title=event.titles.get(language, ""),
                   lines=event.lines.get(language, ()))


def style(event: MorningBrief) -> str:
    return "info"
