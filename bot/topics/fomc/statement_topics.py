"""What a statement or minutes sentence is about, by its words: a gist in the reader's
language beside the Fed's own words (not a translation)."""

from __future__ import annotations

import re

from bot.render.formatting import Formatter

_TOPIC_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("balance_sheet", re.compile(r"securities holdings|balance sheet|asset purchases|"
                                 r"mortgage-backed|Treasury securities|reserves", re.I)),
    ("rates", re.compile(r"target range|federal funds rate|adjustments to the|policy rate",
                         re.I)),
    ("inflation", re.compile(r"\binflation\b", re.I)),
    ("labor", re.compile(r"unemployment|labor market|job gains|employment", re.I)),
    ("activity", re.compile(r"economic activity|\bgrowth\b|spending|\beconomy\b", re.I)),
    ("risks", re.compile(r"uncertain|\brisks?\b", re.I)),
)


def sentence_topic(text: str, f: Formatter) -> str | None:
    """What a statement sentence is about, by its words (a gist, not a translation)."""
    names = {
        "balance_sheet": f._("Balance sheet"),
        "rates": f._("Rates"),
        "inflation": f._("Inflation"),
        "labor": f._("Labor market"),
        "activity": f._("Economic activity"),
        "risks": f._("Risks and uncertainty"),
    }
    for topic, pattern in _TOPIC_WORDS:
        if pattern.search(text):
            return names[topic]
    return None
