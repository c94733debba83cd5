"""Parse an FOMC statement (its web page or its text): a pure function, no I/O.

What it extracts: the decision (hike / cut / hold), the size in basis points, the new
target range, the vote with the dissenters and what each preferred, the balance-sheet
actions, and the sentences (for the diff against the previous statement).

The wording changed over the years (the Fed's own pages, 2008 on): the
decision sentence is found by its subject and verb, never by its position; dissent
sentences, unemployment thresholds, the 2 percent objective and the discount rate are
never read as the range. Statements of 2015-2023 do not state the size of a move, so it
comes from the range before the meeting: the known history (``TargetRangeHistory``) for
past dates, else the previous range the caller keeps.
"""

from __future__ import annotations

import bisect
import csv
import difflib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from importlib import resources

from bot.topics.fomc.balance_sheet import canonical, parse_balance_sheet
from bot.topics.fomc.dissent_topics import dissent_topic
from bot.topics.fomc.events import BalanceSheetAction, Dissent, StatementChange

Range = tuple[Decimal, Decimal]


class StatementParseError(ValueError):
    """The text is not an FOMC policy statement we can read (truncated, other layout)."""


# Normalisation ------------------------------------------------------------------------
_MOJIBAKE = {
    "\u00e2\u0080\u0091": "-", "\u00e2\u0080\u0093": "-", "\u00e2\u0080\u0094": "-",
    "\u00e2\u0080\u0099": "'", "\u00e2\u0080\u0098": "'", "\u00e2\u0080\u009c": '"',
    "\u00e2\u0080\u009d": '"', "\u00c2\u00a0": " ",
}
_CHARS = str.maketrans({
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u00ad": "",
    "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2007": " ",
    "\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2014": " - ",
})


def normalize_text(text: str) -> str:
    """Repair mojibake, unify hyphens, quotes and spaces, keep paragraph breaks."""
    for bad, good in _MOJIBAKE.items():
        text = text.replace(bad, good)
    text = unicodedata.normalize("NFC", text).translate(_CHARS)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# HTML ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class StatementDocument:
    title: str | None
    date: date | None
    release_line: str | None
    body: str  # normalised text, paragraphs separated by blank lines


_TRAILERS = (
    "For media inquiries", "Implementation Note issued", "Statement Regarding",
    "Frequently Asked Questions", "Statement from Federal Reserve Bank",
    "Maturity Extension Program and Reinvestment Policy", "Related Information",
    "Last Update:", "Board of Governors of the Federal Reserve System",
)
_DATE_LINE = re.compile(r"^(January|February|March|April|May|June|July|August|September|"
                        r"October|November|December)\s+\d{1,2},\s+\d{4}$")


def looks_like_html(raw: str) -> bool:
    head = raw[:2000].lower()
    return "<html" in head or "<div" in head or "<p" in head or "<!doctype" in head


def read_document(raw: str) -> StatementDocument:
    """The statement's title, date and body, from its web page or from plain text."""
    if looks_like_html(raw):
        return _read_html(raw)
    return _read_text(raw)


def _read_html(raw: str) -> StatementDocument:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(raw, "html.parser")
    article = soup.find(id="article") or soup.find("article") or soup.body or soup
    title_tag = article.find(class_="title") or soup.find("h3") or soup.find("title")
    title = normalize_text(title_tag.get_text(" ")) if title_tag else None
    time_tag = article.find(class_="article__time")
    release_tag = article.find(class_="releaseTime")
    paragraphs = []
    for p in article.find_all("p"):
        classes = set(p.get("class") or [])
        if classes & {"article__time", "releaseTime"}:
            continue
        # a browser shows the line breaks inside <p> as spaces: so does the reader
        text = " ".join(unfold(normalize_text(p.get_text(" "))).split())
        if text:
            paragraphs.append(text)
    day = _parse_date(normalize_text(time_tag.get_text(" "))) if time_tag else None
    body = _strip_trailers("\n\n".join(paragraphs))
    release = normalize_text(release_tag.get_text(" ")) if release_tag else None
    return StatementDocument(title, day, release, body)


def _read_text(raw: str) -> StatementDocument:
    text = normalize_text(raw)
    day = None
    release = None
    kept = []
    for line in text.split("\n"):
        if day is None and _DATE_LINE.match(line):
            day = _parse_date(line)
            continue
        if line.lower().startswith(("for release at", "for immediate release")):
            release = line
            continue
        kept.append(line)
    return StatementDocument(None, day, release, _strip_trailers(unfold("\n".join(kept))))


def _strip_trailers(text: str) -> str:
    cut = len(text)
    for marker in _TRAILERS:
        index = text.find(marker)
        if index > 0:
            cut = min(cut, index)
    footnote = re.search(r"\n1\. The Open Market Desk", text)
    if footnote:
        cut = min(cut, footnote.start())
    return text[:cut].strip()


def _parse_date(text: str) -> date | None:
    try:
        return datetime.strptime(text.strip(), "%B %d, %Y").date()
    except ValueError:
        return None


# Sentences ----------------------------------------------------------------------------
_ABBREVIATIONS = ("U.S.", "Mr.", "Ms.", "Mrs.", "Dr.", "St.", "Jr.", "Sr.", "No.", "Inc.",
                  "Co.", "p.m.", "a.m.", "e.g.", "i.e.", "vs.")


def unfold(text: str) -> str:
    """Lines wrapped inside a paragraph (a PDF or a text copy folded at 72 columns) joined
    again: a line break is a break only after a sentence's end or a blank line. Layout is
    not meaning."""
    out: list[str] = []
    for line in text.split("\n"):
        stripped = line.strip()
        if out and out[-1] and stripped and not _ends_sentence(out[-1]):
            # "mortgage-" at a line's end is a compound split by the wrap, not a dash
            joint = "" if re.search(r"(?:[A-Za-z]-|--|\u2014)$", out[-1]) else " "
            out[-1] = f"{out[-1]}{joint}{stripped}"
        else:
            out.append(stripped)
    return "\n".join(out)


def _ends_sentence(line: str) -> bool:
    """A line that ends a sentence (not "Esther L." or "U.S." wrapped mid-sentence)."""
    if not re.search(r"[.!?][\"')\]]*$", line):
        return False
    last = line.rsplit(" ", 1)[-1]
    return not (re.fullmatch(r"[A-Z]\.", last) or last.endswith(_ABBREVIATIONS))


def split_sentences(text: str) -> list[str]:
    """Sentences, not cut after middle initials (``Esther L. George``) or ``U.S.``, nor
    at the line breaks of wrapped text."""
    sentences: list[str] = []
    for paragraph in re.split(r"\n\s*\n|\n", unfold(text)):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        start = 0
        for match in re.finditer(r"[.!?](?=\s+[\"'(]?[A-Z0-9])", paragraph):
            end = match.end()
            before = paragraph[start:end]
            if re.search(r"(?:^|\s)[A-Z]\.$", before) or before.endswith(_ABBREVIATIONS):
                continue
            sentences.append(before.strip())
            start = end
        tail = paragraph[start:].strip()
        if tail:
            sentences.append(tail)
    return sentences


# Ranges and sizes ---------------------------------------------------------------------
_BOUND = r"(?:\d+-\d+/\d+|\d+/\d+|\d+(?:\.\d+)?)"
RANGE_RE = re.compile(rf"(?P<low>{_BOUND})\s*(?:percent\s+)?to\s+(?P<high>{_BOUND})\s*percent")
_SIZE_RE = re.compile(
    rf"by\s+(?P<value>{_BOUND})\s*(?P<unit>percentage\s+points?|basis\s+points?|bps?)\b")


def parse_bound(text: str) -> Decimal:
    """``4-1/4`` → 4.25, ``1/2`` → 0.5, ``3.75`` → 3.75."""
    whole, _, fraction = text.partition("-")
    if "/" in whole:
        whole, fraction = "0", whole
    value = Fraction(whole) + (Fraction(fraction) if fraction else 0)
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"))


def parse_range(text: str) -> Range | None:
    match = RANGE_RE.search(text)
    if not match:
        return None
    return parse_bound(match.group("low")), parse_bound(match.group("high"))


def parse_size_bps(text: str) -> int | None:
    match = _SIZE_RE.search(text)
    if not match:
        return None
    value = parse_bound(match.group("value"))
    unit = match.group("unit").lower()
    return int(value * 100) if unit.startswith("percentage") else int(value)


def parse_range_text(text: str) -> Range:
    """``4.25-4.50``, ``425-450``, ``4-1/4 to 4-1/2`` → (4.25, 4.50)."""
    cleaned = normalize_text(text).lower().replace("%", "").replace(" ", "")
    for separator in ("to", ",", "–", "-"):
        if separator in cleaned:
            low_text, _, high_text = cleaned.rpartition(separator) if separator == "-" and \
                cleaned.count("-") > 1 else cleaned.partition(separator)
            try:
                low, high = _range_number(low_text), _range_number(high_text)
            except (ValueError, ArithmeticError):
                continue
            if low <= high:
                return low, high
    raise ValueError(f"not a range: {text!r} (use e.g. 4.25-4.50)")


def _range_number(text: str) -> Decimal:
    value = parse_bound(text) if "/" in text else Decimal(text)
    if value >= 25 and value == value.to_integral_value():  # basis points: 425
        value = value / 100
    return value.quantize(Decimal("0.01"))


# Target-range history -----------------------------------------------------------------
@dataclass
class TargetRangeHistory:
    """Ranges after each change, by decision day; ``range_before(day)`` sizes a move."""

    days: list[date] = field(default_factory=list)
    ranges: list[Range] = field(default_factory=list)

    @classmethod
    def packaged(cls) -> TargetRangeHistory:
        text = resources.files("bot.data").joinpath("target_range_history.csv").read_text("utf-8")
        history = cls()
        rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
        for row in rows:
            history.add(date.fromisoformat(row["decision_date"]),
                        (Decimal(row["low"]), Decimal(row["high"])))
        return history

    def add(self, day: date, rng: Range) -> None:
        index = bisect.bisect_left(self.days, day)
        if index < len(self.days) and self.days[index] == day:
            self.ranges[index] = rng
            return
        self.days.insert(index, day)
        self.ranges.insert(index, rng)

    def range_before(self, day: date) -> Range | None:
        """The range in effect before ``day``'s decision, if the history reaches ``day``.

        Past the last known decision the history cannot tell whether the range changed
        since, so it answers None and the caller's own previous range is used.
        """
        if not self.days or day > self.days[-1] or day <= self.days[0]:
            return None
        index = bisect.bisect_left(self.days, day)
        return self.ranges[index - 1]


# Dissents and votes -------------------------------------------------------------------
NAME = r"[A-Z][a-zA-Z'\-]+(?:\s+[A-Z]\.)*(?:\s+[A-Z][a-zA-Z'\-]+)+"
_NAME_RE = re.compile(NAME)
_AGAINST_RE = re.compile(
    r"Voting against(?:\s+(?:the|this))?(?:\s+(?:FOMC\s+)?(?:monetary\s+)?(?:policy\s+)?"
    r"(?:action|policy))?\s+(?:was|were)\s*:?\s*")
_FOR_RE = re.compile(r"Voting for\b[^:]*?\b(?:was|were)\s*:?\s*")
_NAME_AT = re.compile(rf"\s*(?:;\s*)?(?:,\s*)?(?:and\s+)?({NAME})")
_CLAUSE_END = re.compile(
    rf";\s*(?:and\s+)?(?={NAME})|,\s+and\s+(?={NAME}\s*(?:,|\swho\b|\sand\b))"
    r"|\.(?=\s+[A-Z]|\s*$)")
_TITLE_WORDS = ("Vice ", "Federal ", "Open ", "Implementation ", "President ", "Governor ",
                "Chair ", "Mr. ", "Ms. ", "Statement ")


def _is_person(name: str) -> bool:
    return not name.startswith(_TITLE_WORDS)


def _paragraph_from(text: str, start: int) -> str:
    end = text.find("\n", start)
    return text[start:] if end < 0 else text[start:end]


def parse_dissents(body: str) -> list[tuple[str, str]]:
    """(name, what the member preferred or argued), in the order written."""
    match = _AGAINST_RE.search(body)
    if not match:
        return []
    rest = _paragraph_from(body, match.end())
    found: list[tuple[str, str]] = []
    pending: list[str] = []
    position = 0
    while True:
        name_match = _NAME_AT.match(rest, position)
        if not name_match or not _is_person(name_match.group(1)):
            break
        pending.append(name_match.group(1))
        position = name_match.end()
        tail = rest[position:]
        who = re.match(r",?\s+(?:who|each of whom)\b", tail)
        if who:
            clause_start = position + who.end()
            end = _CLAUSE_END.search(rest, clause_start)
            clause_end = end.start() if end else len(rest)
            clause = rest[clause_start:clause_end].strip(" ,;")
            found.extend((name, clause) for name in pending)
            pending = []
            position = clause_end
            if end is None or rest[end.start()] == ".":
                break
            continue
        if re.match(r"\s*(?:,|and\b|;)", tail):
            continue
        break
    if pending:  # "Voting against the action were A and B. President A believed ..."
        reasons = rest[position:].strip(" .")
        found.extend((name, _own_reason(name, pending, reasons)) for name in pending)
    return found


def _own_reason(name: str, names: list[str], reasons: str) -> str:
    """The sentences about ``name`` ("President Fisher believed ...") when several
    dissenters' reasons follow their names; all of them when only one dissented."""
    def mention(who: str) -> re.Match[str] | None:
        last = re.escape(who.split()[-1])
        return re.search(rf"\b(?:President|Governor|Vice Chair|Chair|Mr\.|Ms\.)\s+{last}\b",
                         reasons)

    own = mention(name)
    if own is None:
        return reasons if len(names) == 1 else ""
    others = [m.start() for m in (mention(n) for n in names if n != name)
              if m is not None and m.start() > own.start()]
    return reasons[own.end(): min(others, default=len(reasons))].strip(" .")


def count_votes_for(body: str) -> int | None:
    match = _FOR_RE.search(body)
    if not match:
        return None
    paragraph = _paragraph_from(body, match.end())
    sentence_end = re.search(r"(?<![A-Z])\.(?=\s+[A-Z]|\s*$)", paragraph)
    listing = paragraph[: sentence_end.start()] if sentence_end else paragraph
    return len([n for n in _NAME_RE.findall(listing) if _is_person(n)]) or None


def preferred_change(clause: str, previous: Range | None, decided: Range) -> tuple[int | None, str]:
    """What a dissenter wanted: (change in bp from the previous range, or None; topic)."""
    text = clause.lower()
    balance_words = ("securities holdings", "asset purchase", "purchases", "maturity extension",
                     "balance sheet", "holdings of")
    rate_words = ("target range", "federal funds rate", "no change")
    if "supported no change" in text and any(w in text for w in balance_words):
        return None, "balance_sheet"
    if "preferred" not in text and "prefer" not in text:
        if any(w in text for w in balance_words) and not any(w in text for w in rate_words):
            return None, "balance_sheet"
        return None, "other"
    base = previous or decided
    if re.search(r"\b(maintain|no change|keep)\b", text) and "target range" in text:
        return 0, "rate"
    if "no change" in text:
        return 0, "rate"
    direction = 0
    if re.search(r"\b(raise|increase)\b", text):
        direction = 1
    elif re.search(r"\b(lower|reduce|cut|decrease)\b", text):
        direction = -1
    if direction:
        size = parse_size_bps(text)
        if size is not None:
            return direction * size, "rate"
        wanted = parse_range(clause)
        if wanted is not None:
            return int((wanted[1] - base[1]) * 100), "rate"
        return None, "rate"
    if any(w in text for w in balance_words):
        return None, "balance_sheet"
    return None, "other"


# Statement diff -----------------------------------------------------------------------
def policy_sentences(body: str) -> list[str]:
    """The statement's sentences without the voting paragraph."""
    sentences = split_sentences(body)
    return [s for s in sentences if not s.startswith(("Voting", "Absent and not voting"))
            and "voted as an alternate" not in s]


def diff_statements(previous: list[str], current: list[str]) -> tuple[list[StatementChange], int]:
    """Sentence-level changes, pairing rewritten sentences; returns (changes, unchanged)."""
    old = [canonical(s) for s in previous]
    new = [canonical(s) for s in current]
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    changes: list[StatementChange] = []
    unchanged = 0
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            unchanged += a1 - a0
            continue
        removed = list(range(a0, a1))
        added = list(range(b0, b1))
        pairs: list[tuple[int, int]] = []
        for b in added:
            best, score = None, 0.0
            for a in removed:
                if any(a == p[0] for p in pairs):
                    continue
                ratio = difflib.SequenceMatcher(a=old[a], b=new[b]).ratio()
                if ratio > score:
                    best, score = a, ratio
            if best is not None and score >= 0.5:
                pairs.append((best, b))
        paired_a = {a for a, _ in pairs}
        paired_b = {b for _, b in pairs}
        for a, b in pairs:
            changes.append(StatementChange(op="changed", before=previous[a], after=current[b]))
        changes.extend(StatementChange(op="removed", before=previous[a])
                       for a in removed if a not in paired_a)
        changes.extend(StatementChange(op="added", after=current[b])
                       for b in added if b not in paired_b)
    return changes, unchanged


# The statement ------------------------------------------------------------------------
_DECISION_VERBS = re.compile(
    r"\b(decided|agreed|will maintain|to maintain|to keep|remains appropriate|establish|"
    r"reaffirmed|raise|lower|reduce|increase|maintain|keep|anticipates)\b", re.I)
_HIKE = re.compile(r"\b(?:raise|increase|raising|increasing)\b", re.I)
_CUT = re.compile(r"\b(?:lower|reduce|decrease|cut|lowering|reducing)\b", re.I)
_HOLD = re.compile(r"\b(?:maintain|keep|remains appropriate|leave|reaffirmed|maintaining)\b",
                   re.I)


@dataclass(frozen=True)
class ParsedStatement:
    date: date | None
    title: str | None
    decision: str
    change_bps: int | None
    target_low: Decimal
    target_high: Decimal
    votes_for: int | None
    dissenters: tuple[Dissent, ...]
    balance_sheet: tuple[BalanceSheetAction, ...]
    sentences: tuple[str, ...]
    decision_sentence: str
    release_line: str | None
    range_stated: bool = True  # False: an action without a rate decision (range as before)
    from_point_target: Decimal | None = None  # 2008-12-16: the first range, from a 1% target

    @property
    def dissents(self) -> int:
        return len(self.dissenters)

    def as_json(self) -> dict[str, object]:
        return {
            "date": self.date.isoformat() if self.date else None,
            "decision": self.decision,
            "change_bps": self.change_bps,
            "target_low": float(self.target_low),
            "target_high": float(self.target_high),
            "dissents": self.dissents,
            "dissenters": [d.name for d in self.dissenters],
            "range_stated": self.range_stated,
            "balance_sheet": [  # amounts nest: JSON mode writes each Decimal as text
                a.model_dump(mode="json", exclude={"sentence"}, exclude_none=True)
                for a in self.balance_sheet],
        }


def _check_complete(raw: str, document: StatementDocument) -> None:
    """A page cut short in transfer must not become an alert with half the facts."""
    if looks_like_html(raw) and "</html>" not in raw[-2000:].lower():
        raise StatementParseError("incomplete page (no closing </html>)")
    if not _FOR_RE.search(document.body):
        raise StatementParseError("incomplete statement (no voting paragraph)")


def _decision_sentence(sentences: list[str]) -> tuple[str, Range]:
    for sentence in sentences:
        lowered = sentence.lower()
        if sentence.startswith("Voting") or "prefer" in lowered or "dissent" in lowered:
            continue
        if "federal funds rate" not in lowered and "target range" not in lowered:
            continue
        if "discount rate" in lowered and "target range" not in lowered:
            continue
        rng = parse_range(sentence)
        if rng is None or not _DECISION_VERBS.search(sentence):
            continue
        if rng[0] > rng[1] or rng[1] - rng[0] > Decimal("1.00"):
            continue
        return sentence, rng
    raise StatementParseError("no decision sentence with a federal funds target range")


def _mentions_the_rate(sentences: list[str]) -> bool:
    return any("target range" in s.lower() or "federal funds rate" in s.lower()
               for s in sentences)


def _verb_decision(sentence: str) -> str | None:
    """hike / cut / hold from the verb acting on the target range."""
    head = sentence.lower()
    anchor = head.find("target range")
    window = head[: anchor if anchor > 0 else len(head)]
    window = window[-160:]
    if _HIKE.search(window):
        return "hike"
    if _CUT.search(window):
        return "cut"
    if _HOLD.search(head):
        return "hold"
    return None


def statement_sentences(raw: str) -> tuple[str, ...]:
    """The policy sentences of a statement page or text (what a diff compares)."""
    return tuple(policy_sentences(read_document(raw).body))


RANGES_SINCE = date(2008, 12, 16)  # a 25 bp target range since; a single target before


def check_consistency(decision: str, change_bps: int | None, rng: Range, before: Range | None,
                      day: date | None) -> None:
    """Refuse a reading whose decision, range and previous range disagree.

    A garbled page ("maintain" with another range, a range of the wrong width) must give
    no alert rather than a false one: a hold keeps the range, a move shifts both ends by
    the stated amount, and a range is 25 bp wide since December 2008.
    """
    low, high = rng
    if (day is None or day >= RANGES_SINCE) and high - low != Decimal("0.25"):
        raise StatementParseError(f"a target range of {low}-{high} is not 25 bp wide")
    if before is None:
        return
    if decision == "hold" and rng != before:
        raise StatementParseError(f"a hold, but the range {low}-{high} differs from the "
                                  f"previous {before[0]}-{before[1]}")
    if decision in ("hike", "cut"):
        moved_low, moved_high = low - before[0], high - before[1]
        single_target = before[0] == before[1]  # before December 2008: one rate, not a range
        if (moved_low != moved_high and not single_target) or \
                (decision == "hike") != (moved_high > 0):
            raise StatementParseError(f"a {decision}, but the range moved from "
                                      f"{before[0]}-{before[1]} to {low}-{high}")
        if change_bps is not None and moved_high * 100 != change_bps:
            raise StatementParseError(f"a move of {change_bps} bp, but the range moved "
                                      f"{moved_high * 100:g} bp")


def parse_statement(
    raw: str,
    *,
    previous_range: Range | None = None,
    previous_text: str | None = None,
    previous_sentences: Sequence[str] | None = None,
    history: TargetRangeHistory | None = None,
    statement_date: date | None = None,
    require_complete: bool = False,
    document: StatementDocument | None = None,
) -> ParsedStatement:
    """Parse a statement page or text. Raises ``StatementParseError`` if it is not one.

    The size of a move is, in order: stated in the text; the range before the meeting
    from ``history`` when the history covers the date; ``previous_range``. The previous
    statement is given as its sentences (a watcher keeps them) or as its text; a caller
    that already read ``raw`` passes its ``document`` so the page is read once.
    """
    if raw.lstrip().startswith(("{", "[")):
        raise StatementParseError("JSON, not a statement page or its text")
    if document is None:
        document = read_document(raw)
    votes = len(_FOR_RE.findall(" ".join(raw.split())))
    if votes > 1:  # a collection of statements (a corpus file), not one
        raise StatementParseError(f"not one statement: {votes} votes are recorded in it")
    if previous_sentences is None and previous_text is not None:
        previous_sentences = statement_sentences(previous_text)
    if require_complete:
        _check_complete(raw, document)
    day = statement_date or document.date
    sentences = policy_sentences(document.body)
    if not sentences:
        raise StatementParseError("empty statement")
    before = None
    if history is not None and day is not None:
        before = history.range_before(day)
    before = before or previous_range
    previous_set = None if previous_sentences is None else \
        {canonical(s) for s in previous_sentences}
    balance = parse_balance_sheet(sentences, previous_set, day)
    range_stated = True
    try:
        decision_sentence, (low, high) = _decision_sentence(sentences)
    except StatementParseError:
        if before is None or not balance or _mentions_the_rate(sentences):
            raise
        # A balance-sheet action without a word on the rate (2020-03-23: purchases "in
        # the amounts needed") leaves the range where it was: a hold at the known range,
        # said as such. A statement that speaks of the rate but has no decision sentence
        # is a garbled one, and no alert.
        decision_sentence, (low, high), range_stated = "", before, False
    verb = _verb_decision(decision_sentence) if range_stated else "hold"
    stated = parse_size_bps(decision_sentence)
    change: int | None
    if verb == "hold":
        decision, change = "hold", 0
    elif stated is not None and verb in ("hike", "cut"):
        decision, change = verb, stated if verb == "hike" else -stated
    elif before is not None:
        change = int((high - before[1]) * 100)
        decision = "hike" if change > 0 else "cut" if change < 0 else "hold"
        if verb in ("hike", "cut") and decision != verb:
            decision = verb  # the text wins over a stale previous range
    else:
        decision, change = verb or "hold", None if verb in ("hike", "cut") else 0
    if require_complete:  # an alert will be built from this: the figures must agree
        check_consistency(decision, change, (low, high), before, day)
    previous_for_dissent = before if before is not None else (
        (low, high) if decision == "hold" else None)
    dissenters = []
    for name, clause in parse_dissents(document.body):
        bps, rate_topic = preferred_change(clause, previous_for_dissent, (low, high))
        about = dissent_topic(clause, rate_topic, bps, decision)
        dissenters.append(Dissent(name=name, preferred=clause or None,
                                  preferred_change_bps=bps if about == "rate" else None,
                                  about=about))
    return ParsedStatement(
        date=day, title=document.title, decision=decision, change_bps=change,
        target_low=low, target_high=high, votes_for=count_votes_for(document.body),
        dissenters=tuple(dissenters), balance_sheet=tuple(balance),
        sentences=tuple(sentences), decision_sentence=decision_sentence,
        release_line=document.release_line, range_stated=range_stated,
        from_point_target=before[1] if before is not None and before[0] == before[1]
        and range_stated and (low, high) != before else None,
    )
