"""The implementation note ("Decisions Regarding Monetary Policy Implementation"): pure parse.

Released with the statement (``monetaryYYYYMMDDa1.htm``), it gives the administered rates
that carry the decision: the interest rate on reserve balances (IORB; IOER, on required
and excess reserves, before July 2021), the overnight reverse repo (ON RRP) offering rate,
the primary credit rate, the standing repo rate (a minimum bid rate until October 2025, a
fixed rate from December 2025), the day they take effect, and the Desk's balance-sheet
directive (monthly runoff caps). It is read as the Fed publishes it (HTML) and as text
extracted from the statement PDF, whose page breaks leave "(more)", "- 2 -", repeated
release headers and stray bullet glyphs in the middle of sentences.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
NUMBER = r"(\d+(?:\.\d+)?)"


class NoteParseError(ValueError):
    """The text is not an implementation note (or lost the parts that carry the rates)."""


@dataclass(frozen=True, slots=True)
class ImplementationNote:
    iorb: Decimal | None  # percent; IOER before July 2021
    on_rrp: Decimal | None
    primary_credit: Decimal | None
    srf_min_bid: Decimal | None  # standing repo minimum bid rate (2021-07 .. 2025-10)
    srf_rate: Decimal | None  # standing repo at a fixed rate (from 2025-12)
    effective: date | None
    treasury_cap: Decimal | None = None  # monthly runoff caps, billions
    mbs_cap: Decimal | None = None
    # a directive that sets this month's caps and others from a named month gives both
    treasury_cap_next: Decimal | None = None
    mbs_cap_next: Decimal | None = None
    caps_next_from: date | None = None  # the first day of the month the next caps start
    iorb_label: str = "IORB"  # "IOER" when the note speaks of excess reserves

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for key, value in asdict(self).items():
            if isinstance(value, Decimal):
                out[key] = float(value)
            elif isinstance(value, date):
                out[key] = value.isoformat()
            else:
                out[key] = value
        return out


def note_text(raw: str) -> str:
    """Plain text on one line: HTML tags, Markdown links, PDF page furniture removed."""
    text = raw
    if re.search(r"<(?:p|div|li|html|body|br)\b", text, re.I):
        text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S | re.I)
        text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # [text](link)
    text = re.sub(r"\(more\)\s*(?:--- Page \d+ ---\s*)?(?:For release at[^\n]*\n)?\s*-\s*\d+\s*-",
                  " ", text)
    text = re.sub(r"--- Page \d+ ---", " ", text)
    text = re.sub(r"(?m)^\s*[o•▪●◦]\s*$", " ", text)  # bullet glyphs left on their own line
    text = text.replace("\u2011", "-").replace("\xa0", " ").replace("’", "'")
    return re.sub(r"\s+", " ", text).strip()


_PATTERNS: dict[str, tuple[str, ...]] = {
    "iorb": (r"interest rates? (?:paid )?on (?:required and excess )?reserve balances "
             r"(?:at|to) " + NUMBER + " percent",),
    "on_rrp": (r"offering rate of " + NUMBER + " percent",),
    "primary_credit": (r"primary credit rate (?:to|at the existing level of|at) " + NUMBER +
                       " percent",
                       r"establishment of (?:a|the) " + NUMBER + " percent primary credit rate"),
    "srf_min_bid": (r"minimum bid (?:o )?rate of " + NUMBER + " percent",),
    "srf_rate": (r"repurchase agreement operations at a rate of " + NUMBER + " percent",),
}
_EFFECTIVE = re.compile(r"\b[Ee]ffective (?:on )?(" + "|".join(_MONTHS) + r") (\d{1,2}), (\d{4})")
_TREASURY_CAP = re.compile(
    r"Treasury securities maturing[^$]{0,200}?exceeds (?:a (?:monthly )?cap of )?"
    r"\$" + NUMBER + r" billion", re.I)
_MBS_CAP = re.compile(
    r"agency debt and agency (?:mortgage-backed securities|MBS)[^$]{0,200}?exceeds "
    r"(?:a (?:monthly )?cap of )?\$" + NUMBER + r" billion", re.I)


def _first(text: str, key: str) -> Decimal | None:
    hits: list[tuple[int, str]] = []
    for pattern in _PATTERNS[key]:
        hits += [(m.start(), m.group(1)) for m in re.finditer(pattern, text, re.I)]
    return Decimal(min(hits)[1]) if hits else None


def _effective(text: str) -> date | None:
    """The day the note's decisions take effect: the date it names most (first on a tie)."""
    days = [date(int(m.group(3)), _MONTHS.index(m.group(1)) + 1, int(m.group(2)))
            for m in _EFFECTIVE.finditer(text)]
    if not days:
        return None
    counts = Counter(days)
    return max(days, key=lambda d: (counts[d], -days.index(d)))


def _only_value(pattern: re.Pattern[str], text: str) -> Decimal | None:
    """The cap when the directive names one; None when it names none or several (a cap
    for this month and a higher one from next month: the alert then says less)."""
    values = {Decimal(m.group(1)) for m in pattern.finditer(text)}
    return values.pop() if len(values) == 1 else None


_CAPS_FROM = re.compile(r"\b(?:(?:Effective|Beginning) (?:in |on )?|calendar month of |during )"
                        r"(" + "|".join(_MONTHS) + r")(?: (\d{1,2})\b)?(?:,? (\d{4}))?")
Caps = tuple[Decimal | None, Decimal | None, Decimal | None, Decimal | None, date | None]


def _caps(text: str, effective: date | None) -> Caps:
    """(treasury, treasury next, mbs, mbs next, next from): the caps the directive sets for
    now, and those it sets from a later day ("Effective in January, ...", "Beginning on
    June 1, ..."): each cap belongs to the last date phrase before it. One cap named twice
    for the same time with different values: None (the alert says less)."""
    markers = []
    for match in _CAPS_FROM.finditer(text):
        month = _MONTHS.index(match.group(1)) + 1
        year = int(match.group(3)) if match.group(3) else (
            effective.year + (month < effective.month) if effective else None)
        if year is not None:
            markers.append((match.start(), date(year, month, int(match.group(2) or 1))))
    later = [(at, day) for at, day in markers if effective is None or day > effective]

    def split(pattern: re.Pattern[str]) -> tuple[set[Decimal], set[Decimal], date | None]:
        now, nxt, start = set(), set(), None
        for match in pattern.finditer(text):
            before = [day for at, day in later if at < match.end()]
            if before:
                nxt.add(Decimal(match.group(1)))
                start = before[-1]
            else:
                now.add(Decimal(match.group(1)))
        return now, nxt, start

    def one(values: set[Decimal]) -> Decimal | None:
        return values.pop() if len(values) == 1 else None

    t_now, t_next, t_from = split(_TREASURY_CAP)
    m_now, m_next, m_from = split(_MBS_CAP)
    return one(t_now), one(t_next), one(m_now), one(m_next), t_from or m_from


def parse_note(raw: str) -> ImplementationNote:
    text = note_text(raw)
    values = {key: _first(text, key) for key in _PATTERNS}
    if values["iorb"] is None and values["on_rrp"] is None and values["primary_credit"] is None:
        raise NoteParseError("no administered rate found (not an implementation note?)")
    treasury, treasury_next, mbs, mbs_next, next_from = _caps(text, _effective(text))
    excess = re.search(r"interest rates? (?:paid )?on required and excess reserve", text, re.I)
    return ImplementationNote(
        iorb=values["iorb"], on_rrp=values["on_rrp"], primary_credit=values["primary_credit"],
        srf_min_bid=values["srf_min_bid"], srf_rate=values["srf_rate"],
        effective=_effective(text),
        treasury_cap=treasury, mbs_cap=mbs, treasury_cap_next=treasury_next,
        mbs_cap_next=mbs_next, caps_next_from=next_from,
        iorb_label="IOER" if excess else "IORB")
