"""The few sentences a reader looks for in FOMC minutes. Pure.

From the minutes page: the policy decision (the "Committee Policy Actions" paragraph that
says what members agreed), what participants said about the balance sheet, and about the
path of the policy rate. Each is the Fed's own sentence; an alert gives it with a gist
label, never a paraphrase. A sentence that cannot be found is left out.
"""

from __future__ import annotations

import html
import re

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def _text(page: str) -> str:
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text)).replace("\xa0", " ")
    return re.sub(r"\s+", " ", text)


def _first(sentences: list[str], *patterns: str, after: int = 0) -> str | None:
    for sentence in sentences[after:]:
        if all(re.search(p, sentence, re.I) for p in patterns) and len(sentence) < 600:
            return sentence.strip()
    return None


def minutes_highlights(page: str) -> tuple[str, ...]:
    text = _text(page)
    sentences = _SENTENCE.split(text)
    policy_start = next((i for i, s in enumerate(sentences)
                         if "Committee Policy Actions" in s), 0)
    picks = [
        _first(sentences, r"\bmembers agreed\b|\bCommittee decided\b",
               r"target range|federal funds rate", after=policy_start),
        _first(sentences, r"\bparticipants?\b", r"balance sheet|securities holdings|"
               r"reserve management|runoff"),
        _first(sentences, r"\bparticipants?\b", r"policy rate|target range",
               r"appropriate|likely|path|future"),
    ]
    seen: list[str] = []
    for pick in picks:
        if pick and pick not in seen:
            seen.append(pick)
    return tuple(seen)
