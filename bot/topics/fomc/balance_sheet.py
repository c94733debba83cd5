"""Balance-sheet actions in an FOMC statement, with their amounts said for what they are.

Pure functions over the statement's sentences. An amount is a total over a horizon ("a
further $600 billion ... by the end of the second quarter of 2011"), a monthly pace ("$40
billion per month"), a cut in the monthly pace ("by $10 billion for Treasury securities")
or a redemption cap; each keeps its asset, and "at least" / "about" as written. An alert
never turns a total into a pace (QE2 was $600 billion in all, about $75 billion a month).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

from bot.topics.fomc.events import Amount, AmountAsset, BalanceSheetAction


def canonical(sentence: str) -> str:
    """A sentence reduced to lower-case words, to compare statements."""
    return re.sub(r"\W+", " ", sentence.lower()).strip()


_MONTHS = {m: i for i, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"), 1)}
_CAP_RE = re.compile(
    r"(?:reduc|lower|rais|increas|slow|decreas)\w*\s+the\s+monthly\s+redemption\s+caps?\s+on\s+"
    r"(?P<asset>Treasury securities|agency debt and agency mortgage-backed securities|agency "
    r"mortgage-backed securities)\s+from\s+\$(?P<old>[\d.]+)\s+billion\s+to\s+\$(?P<new>[\d.]+)"
    r"\s+billion", re.I)
_EFFECTIVE_RE = re.compile(
    r"\b(?i:beginning|starting|on|in)\s+(?:early\s+|mid-)?(?P<month>January|February|March|April|"
    r"May|June|July|August|September|October|November|December)(?:\s+(?P<day>\d{1,2}))?\b")

# (kind, pattern, needs to be new against the previous statement)
_BALANCE_RULES: tuple[tuple[str, re.Pattern[str], bool], ...] = (
    ("runoff_end", re.compile(r"conclude the reduction of its aggregate securities holdings",
                              re.I), False),
    ("runoff_start", re.compile(r"initiate the balance sheet normalization program|"
                                r"decided to begin reducing its holdings|"
                                r"will begin reducing its holdings", re.I), False),
    ("reserve_management_purchases", re.compile(
        r"initiate purchases of shorter-term Treasury (?:securities|bills)", re.I), False),
    ("purchases_end", re.compile(r"conclude its asset purchase program|bringing them to an end|"
                                 r"end its (?:net )?asset purchases", re.I), False),
    ("taper", re.compile(r"reduc\w* the (?:monthly )?pace of its (?:net )?asset purchases|"
                         r"(?:further )?measured reduction in the pace of its asset purchases",
                         re.I), False),
    ("maturity_extension", re.compile(
        r"(?:decided|intends) to (?:continue through [^.]*? its program to )?"
        r"(?:extend the average maturity|purchase, by the end of [^,]+, \$\d+ billion of "
        r"Treasury securities)|sell an equal amount of Treasury securities", re.I), False),
    ("reinvest", re.compile(r"keep constant the Federal Reserve's holdings of securities", re.I),
     False),
    ("purchases", re.compile(
        r"increase (?:its|the) holdings of Treasury securities by at least \$|"
        r"(?:intends|decided|agreed)[^.]{0,80}\bto (?:increase [^.]{0,60})?purchas\w+ [^.]{0,40}"
        r"(?:a further|additional|up to)|"
        r"increase the size of the Federal Reserve's balance sheet|"
        r"purchase (?:longer-term )?Treasury securities[^.]{0,160}initially at a pace|"
        r"purchase Treasury securities and agency mortgage-backed securities in the amounts "
        r"needed", re.I), True),
)


# a purchase program described as going on, or reported from an earlier statement
_CONTINUING = re.compile(r"\b(?:continue to increase|would continue|indicated that|as previously "
                         r"announced|last (?:December|month|meeting))\b", re.I)


def _effective(sentence: str, statement_day: date | None) -> tuple[date | None, bool]:
    """(the day it starts, whether the statement named only the month)."""
    match = _EFFECTIVE_RE.search(sentence)
    if not match or statement_day is None:
        return None, False
    month = _MONTHS[match.group("month").lower()]
    year = statement_day.year + (1 if month < statement_day.month else 0)
    return date(year, month, int(match.group("day") or 1)), match.group("day") is None


# Amounts --------------------------------------------------------------------------------
_ASSET = (r"(?:longer-term |shorter-term )?(?:U\.S\. )?Treasury (?:securities|bills)|"
          r"agency mortgage-backed securities|mortgage-backed securities|agency debt")
_ASSET_RE = re.compile(_ASSET, re.I)
_MONEY_RE = re.compile(
    r"(?P<least>at least |up to )?(?P<more>an additional |a further |additional )?"
    r"(?P<about>about )?\$(?P<n>[\d.,]+) (?P<unit>billion|trillion)"
    r"(?P<month> (?:per|a) month)?(?: rather than \$(?P<was>[\d.,]+) (?:billion|trillion)"
    r"(?: (?:per|a) month)?)?", re.I)
_ASSET_AFTER = re.compile(rf"\s*(?:(?:per|a) month\s+)?(?:of|for|in)\s+({_ASSET})", re.I)
_QUARTER_ENDS = {"first": 3, "second": 6, "third": 9, "fourth": 4 * 3}
_BY_QUARTER = re.compile(r"by the end of the (first|second|third|fourth) quarter of (\d{4})", re.I)
_BY_MONTH = re.compile(r"by the end of (January|February|March|April|May|June|July|August|"
                       r"September|October|November|December) (\d{4})", re.I)


def _asset_name(text: str) -> AmountAsset:
    lowered = text.lower()
    if "mortgage" in lowered:
        return "mbs"
    if "agency debt" in lowered:
        return "agency_debt"
    return "treasury"


def _month_end(year: int, month: int) -> date:
    first_next = date(year + month // 12, month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def _horizon(sentence: str) -> date | None:
    quarter = _BY_QUARTER.search(sentence)
    if quarter:
        return _month_end(int(quarter.group(2)), _QUARTER_ENDS[quarter.group(1).lower()])
    month = _BY_MONTH.search(sentence)
    if month:
        return _month_end(int(month.group(2)), _MONTHS[month.group(1).lower()])
    return None


def _billions(text: str, unit: str) -> Decimal:
    value = Decimal(text.replace(",", "").rstrip("."))
    return value * 1000 if unit.lower() == "trillion" else value


def parse_amounts(sentence: str, *, cuts_pace: bool = False) -> tuple[Amount, ...]:
    """Every dollar amount of ``sentence`` with its asset and what it measures.

    ``cuts_pace``: the sentence reduces the pace of purchases ("reduce the monthly pace
    of its net asset purchases by $10 billion for Treasury securities"), so a bare amount
    is a cut in the monthly pace."""
    amounts: list[Amount] = []
    horizon = _horizon(sentence)
    for match in _MONEY_RE.finditer(sentence):
        after = _ASSET_AFTER.match(sentence, match.end())
        if after:
            asset_text = after.group(1)
        else:  # "holdings of Treasury securities by at least $500 billion"
            before = list(_ASSET_RE.finditer(sentence, 0, match.start()))
            if not before:
                continue
            asset_text = before[-1].group(0)
        monthly = bool(match.group("month")) or "per month" in \
            sentence[match.end(): match.end() + 40].lower()
        if cuts_pace and not match.group("was"):
            amounts.append(Amount(asset=_asset_name(asset_text),
                                  billions=_billions(match.group("n"), match.group("unit")),
                                  per="month", change="cut"))
            continue
        increase = bool(match.group("more")) or bool(
            _INCREASE_BY.search(sentence[max(0, match.start() - 40): match.start()]))
        amounts.append(Amount(
            asset=_asset_name(asset_text),
            billions=_billions(match.group("n"), match.group("unit")),
            per="month" if monthly else "total", change="more" if increase and not monthly
            else "level",
            was_billions=_billions(match.group("was"), "billion") if match.group("was") else None,
            at_least=(match.group("least") or "").strip().lower() == "at least",
            up_to=(match.group("least") or "").strip().lower() == "up to",
            approximate=bool(match.group("about")),
            by=None if monthly else horizon))
    return _with_totals(amounts)


_INCREASE_BY = re.compile(r"\bby (?:up to |at least )?$", re.I)


def _with_totals(amounts: list[Amount]) -> tuple[Amount, ...]:
    """"up to an additional $750 billion ..., bringing its total purchases ... to up to
    $1.25 trillion": one amount, a total reached by an increase, not two totals."""
    merged: list[Amount] = []
    for amount in amounts:
        last = merged[-1] if merged else None
        if last is not None and last.change == "more" and amount.change == "level" and \
                amount.per == "total" and last.asset == amount.asset:
            merged[-1] = amount.model_copy(update={"added_billions": last.billions})
            continue
        merged.append(amount)
    # an increase with no total after it is the program's own size ("a further $600
    # billion ... by the end of the second quarter"): said as the total it is
    return tuple(a.model_copy(update={"change": "level"}) if a.change == "more" else a
                 for a in merged)


_NEW_PACE = re.compile(r"\bper month\b", re.I)


def parse_balance_sheet(sentences: list[str], previous_sentences: set[str] | None,
                        statement_day: date | None) -> list[BalanceSheetAction]:
    actions: list[BalanceSheetAction] = []
    kinds: set[str] = set()
    for index, sentence in enumerate(sentences):
        if sentence.startswith("Voting"):
            continue
        cap = _CAP_RE.search(sentence)
        if cap:
            asset = "treasury" if cap.group("asset").lower().startswith("treasury") else "mbs"
            effective, month_only = _effective(sentence, statement_day)
            actions.append(BalanceSheetAction(
                kind="cap_change", asset=asset, from_billions=Decimal(cap.group("old")),
                to_billions=Decimal(cap.group("new")), effective=effective,
                effective_month_only=month_only, sentence=sentence))
            continue
        for kind, pattern, must_be_new in _BALANCE_RULES:
            if not pattern.search(sentence) or (kind in kinds and kind != "purchases"):
                continue
            if must_be_new and previous_sentences is not None and \
                    canonical(sentence) in previous_sentences:
                continue
            if must_be_new and _CONTINUING.search(sentence):
                continue
            if must_be_new and previous_sentences is None and re.search(
                    r"\bcontinue\b", sentence, re.I):
                continue
            if kind in kinds:  # another purchase sentence of the same statement: counted
                first = next(i for i, a in enumerate(actions) if a.kind == kind)
                actions[first] = actions[first].model_copy(update={
                    "amounts": actions[first].amounts + _action_amounts(kind, sentences,
                                                                        index),
                    "asset": "all" if actions[first].asset != _asset_of(sentence)
                    else actions[first].asset})
                break
            effective, month_only = _effective(sentence, statement_day)
            pace = _pace_sentence(sentences, index) if kind == "taper" else None
            if effective is None and pace is not None:  # "Beginning in January, ..."
                effective, month_only = _effective(pace, statement_day)
            actions.append(BalanceSheetAction(
                kind=kind,
                asset=_asset_of(sentence),
                amounts=_action_amounts(kind, sentences, index),
                effective=effective, effective_month_only=month_only, sentence=sentence))
            kinds.add(kind)
            break
    if "purchases_end" in kinds:  # "continue to reduce ..., bringing them to an end"
        actions = [a for a in actions if a.kind not in ("taper", "purchases")]
    elif "taper" in kinds:  # the smaller pace is restated as "increase its holdings by ..."
        actions = [a for a in actions if a.kind != "purchases"]
    return actions


def _asset_of(sentence: str) -> str:
    lowered = sentence.lower()
    treasury = "treasury" in lowered
    mbs = "mortgage-backed" in lowered
    if treasury and not mbs:
        return "treasury"
    if mbs and not treasury:
        return "mbs"
    return "all"




def _action_amounts(kind: str, sentences: list[str], index: int) -> tuple[Amount, ...]:
    """The amounts of an action: its own sentence's, and for a taper the new monthly paces
    the next sentence gives ("Beginning in January, ... at a pace of $35 billion per month
    rather than $40 billion per month")."""
    if kind not in ("purchases", "taper", "maturity_extension"):
        return ()
    own = parse_amounts(sentences[index], cuts_pace=kind == "taper")
    pace = _pace_sentence(sentences, index) if kind == "taper" else None
    if pace is None:
        return own
    return own + tuple(a for a in parse_amounts(pace) if a.per == "month")


def _pace_sentence(sentences: list[str], index: int) -> str | None:
    """The sentence after a taper decision that gives the new monthly paces."""
    for following in sentences[index + 1: index + 3]:
        if _NEW_PACE.search(following) and "$" in following:
            return following
    return None
