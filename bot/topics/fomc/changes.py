"""What changed in a statement, in the order a trader reads it, each change said plainly.

The sentence diff (``statement.diff_statements``) gives every edit; most are
description that changes at every meeting, and some are no edit at all (the opener's
month, "these goals" → "its goals"). Here each change gets a kind, ranked by what moves
rates: forward guidance, the balance sheet, the risk assessment, then inflation, the
labor market, financial conditions and activity. Trivial edits are dropped. The rate
decision itself is the alert's headline and is not repeated. Each change is said in the
reader's language: Chinese from ``phrasebook`` when every clause is known, else what the
sentence is about and that it was added, removed or reworded (never English inside the
Chinese text).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from bot.domain.chats import Language
from bot.render.formatting import Formatter
from bot.render.i18n import N_
from bot.topics.fomc.events import StatementChange
from bot.topics.fomc.phrasebook import translate

KINDS: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    # (kind, label msgid, words): the first that matches; the order is the ranking
    ("guidance", N_("Guidance"), re.compile(
        r"appropriate to (?:reduce|raise|lower|increase)|adjustments to the target range|"
        r"increases in the target range|anticipates|policy firming|accommodative stance|"
        r"policy accommodation|stance of monetary policy remains accommodative|"
        r"extended period|patient|until it has|stance of monetary policy|forward guidance|"
        r"path of the federal funds rate|in light of the shift", re.I)),
    ("balance_sheet", N_("Balance sheet"), re.compile(
        r"holdings|securities|balance sheet|asset purchases|reinvest|redemption|"
        r"reserve management|purchases of", re.I)),
    ("risks", N_("Risk assessment"), re.compile(
        r"\brisks?\b|uncertain|attentive|balance of risks", re.I)),
    ("inflation", N_("Inflation"), re.compile(r"inflation|prices", re.I)),
    ("labor", N_("Labor market"), re.compile(
        r"unemployment|labor market|job gains|payroll|employment", re.I)),
    ("financial", N_("Financial conditions"), re.compile(
        r"financial conditions|financial markets|credit conditions", re.I)),
    ("activity", N_("Economic activity"), re.compile(
        r"economic activity|growth|spending|investment|economy|output|production|"
        r"housing|exports", re.I)),
)
DECISION = re.compile(r"decided (?:today )?to (?:maintain|raise|lower|keep|establish|"
                      r"reduce|increase) the target (?:range|for the federal funds rate)",
                      re.I)
OPENER = re.compile(r"information received since the (?:federal open market )?committee "
                    r"met in \w+ (?:indicates|suggests)(?: that)?", re.I)
MONTH = re.compile(r"\b(?:january|february|march|april|may|june|july|august|september|"
                   r"october|november|december)\b", re.I)
OP_RANK = {"added": 0, "removed": 1, "changed": 2}


@dataclass(frozen=True)
class RankedChange:
    kind: str
    label: str  # msgid
    change: StatementChange


def _plain(sentence: str) -> str:
    """The words that carry meaning: no opener, month, punctuation, case or spacing."""
    text = OPENER.sub("recent indicators suggest that", sentence)
    text = MONTH.sub("", text)
    text = re.sub(r"\b(?:these|its|the|federal open market)\b", "", text, flags=re.I)
    return " ".join(re.sub(r"[^\w%$/-]+", " ", text.lower()).split())


def is_trivial(change: StatementChange) -> bool:
    return change.op == "changed" and _plain(change.before or "") == _plain(change.after or "")


def kind_of(sentence: str) -> tuple[str, str]:
    for kind, label, words in KINDS:
        if words.search(sentence):
            return kind, label
    return "other", N_("Other wording")


def ranked(changes: tuple[StatementChange, ...], *, with_decision: bool = False
           ) -> list[RankedChange]:
    """The changes worth saying, most consequential first; trivial edits left out, and
    the decision sentence too unless ``with_decision`` (the alert's headline says it)."""
    kept = []
    for change in changes:
        text = change.after or change.before or ""
        if is_trivial(change):
            continue
        if DECISION.search(text) and not with_decision and \
                (change.op != "changed" or not _guidance_added(change)):
            continue
        kind, label = kind_of(text if change.op != "changed" else
                              f"{change.before} {change.after}")
        kept.append(RankedChange(kind, label, change))
    order = [k for k, _, _ in KINDS] + ["other"]
    return sorted(kept, key=lambda r: (order.index(r.kind), _weight(r),
                                       OP_RANK[r.change.op]))


RATE_PATH = re.compile(r"appropriate to (?:reduce|raise|lower|increase)|until|firming|"
                       r"increases in the target range|accommodat|extended period|patient",
                       re.I)


def _weight(item: RankedChange) -> int:
    """Within guidance, what it says of the rate path before how it will decide."""
    text = item.change.after or item.change.before or ""
    return 0 if item.kind != "guidance" or RATE_PATH.search(text) else 1


def _guidance_added(change: StatementChange) -> bool:
    """A decision sentence that also changed its guidance clause ("and anticipates that
    ongoing increases ...")."""
    guidance = KINDS[0][2]
    return bool(guidance.search(change.after or "")) != bool(guidance.search(change.before or ""))


def excerpt(text: str, limit: int = 160) -> str:
    """Whole words only, with an ellipsis: never cut mid-word."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def changed_words(before: str, after: str) -> tuple[str, str]:
    """The differing stretch of words in each (with a word of context on either side)."""
    old, new = before.split(), after.split()
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    blocks = [op for op in matcher.get_opcodes() if op[0] != "equal"]
    if not blocks:
        return "", ""
    a0, a1 = max(0, blocks[0][1] - 1), min(len(old), blocks[-1][2] + 1)
    b0, b1 = max(0, blocks[0][3] - 1), min(len(new), blocks[-1][4] + 1)
    return " ".join(old[a0:a1]).rstrip("."), " ".join(new[b0:b1]).rstrip(".")


def say(item: RankedChange, f: Formatter) -> str:
    """One line: the kind, what happened, the words (Chinese, or no quote at all)."""
    change, label = item.change, f._(item.label)
    if f.language is Language.ZH_HANT:
        return _say_zh(change, label, f)
    if change.op == "added":
        return f._("{label} (new): “{text}”").format(label=label,
                                                    text=excerpt(change.after or ""))
    if change.op == "removed":
        return f._("{label} (dropped): “{text}”").format(label=label,
                                                        text=excerpt(change.before or ""))
    was, now = changed_words(change.before or "", change.after or "")
    if len(now) > 120 or len(was) > 120:
        return f._("{label}: now “{text}”").format(label=label,
                                                   text=excerpt(change.after or ""))
    return f._("{label}: “{now}” (was “{was}”)").format(label=label, now=now, was=was)


def _say_zh(change: StatementChange, label: str, f: Formatter) -> str:
    before = translate(change.before) if change.before else None
    after = translate(change.after) if change.after else None
    if change.op == "added":
        return (f._("{label} (new): {text}").format(label=label, text=after) if after
                else f._("{label}: a sentence was added.").format(label=label))
    if change.op == "removed":
        return (f._("{label} (dropped): {text}").format(label=label, text=before) if before
                else f._("{label}: a sentence was dropped.").format(label=label))
    if after and before and after != before:
        return f._("{label}: {now} (was: {was})").format(label=label, now=after.rstrip("。"),
                                                         was=before.rstrip("。"))
    if after:
        return f._("{label}: {now} (reworded)").format(label=label, now=after.rstrip("。"))
    return f._("{label}: reworded.").format(label=label)
