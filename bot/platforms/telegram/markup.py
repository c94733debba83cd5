"""Telegram's markup of an alert: its HTML subset, and its text and caption limits.

The renderer decides the wording once (``bot.render.message``); here only the escaping
and the cutting that Telegram's Bot API needs are decided.
"""

from __future__ import annotations

import html

from bot.render.message import AlertMessage, split_text

TEXT_LIMIT = 4096  # UTF-16 code units in one message
CAPTION_LIMIT = 1024  # UTF-16 code units in a photo's caption


def to_html(message: AlertMessage) -> str:
    """Telegram HTML: every interpolated text escaped, only <b>, <i> and <a> tags."""
    blocks = []
    for section in message.sections:
        lines = [f"<b>{html.escape(section.title)}</b>"]
        lines.extend(html.escape(line) for line in section.lines)
        if section.footer:
            lines.append(f"<i>{html.escape(section.footer)}</i>")
        if section.link:
            label = html.escape(section.link_label or section.link)
            lines.append(f'<a href="{html.escape(section.link, quote=True)}">{label}</a>')
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def message_parts(text: str) -> list[str]:
    """``text`` in parts Telegram takes as messages (cut between lines, never in a tag)."""
    return split_text(text, TEXT_LIMIT)
