"""Read a BLS or BEA release: the figures a trader reads first, from the release's own words.

Pure functions, no I/O. Accepted inputs: the BLS news release (``cpi.nr0.htm``,
``empsit.nr0.htm``, an archive page, its PDF text, a re-published copy with its line
breaks or without), the CPI's Table 1 page, BEA's release page or its RSS feed (each item
is a release), as HTML or text. A file wrapped in a provenance header with ``BEGIN/END
VERBATIM EXCERPT`` markers is read between the markers; the header only supplies a year
when the release text names the month alone.

Each figure is named as the ``field`` column of the corpus truth table
(``cpi_u_mom_sa_pct``, ``nfp_change`` …) with its period (``2025-08``, ``2025Q2``, or
``2025-09..2025-11`` for a two-month change). What a release says instead of a number is
kept as said: ``NOT_PUBLISHED`` (no one-month change after a lapse), ``NOT_COLLECTED``
(a month the survey skipped), ``less than 0.1 (decrease)``. A sentence the parser does
not recognise gives no figure: it says less, never a guess.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

KINDS = ("cpi", "jobs", "pce", "gdp")
NOT_PUBLISHED = "NOT_PUBLISHED"
NOT_COLLECTED = "NOT_COLLECTED"

MONTHS = {name: index + 1 for index, name in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august",
     "september", "october", "november", "december"))}
MONTHS.update({name[:3]: number for name, number in list(MONTHS.items())})
MONTHS["sept"] = 9
MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November|"
         r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?")
QUARTERS = {"first": 1, "second": 2, "third": 3, "fourth": 4,
            "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
UP = ("increased", "rose", "rising", "edged up", "up", "increase", "risen", "grew", "gained")
DOWN = ("decreased", "declined", "fell", "edged down", "down", "decrease", "decline",
        "declining", "falling", "dropped")
NUM = r"\d+(?:\.\d+)?"
_CLAUSE = r"(?:[^.]|\.(?=\d))"  # one character of the same sentence (2.9 does not end it)
VERB = (r"(?:increased|rose|declined|decreased|fell|edged up|edged down|was unchanged|"
        r"were unchanged|was little changed|changed little|remained unchanged)")


class MacroParseError(ValueError):
    """Not a CPI, jobs, PCE or GDP release we can read."""


@dataclass(frozen=True)
class Figure:
    field: str
    period: str
    value: Decimal | None
    """None when the release says the figure was not published or not collected."""
    status: str | None = None  # NOT_PUBLISHED, NOT_COLLECTED, "less than 0.1 (decrease)"
    stated: str = ""  # the words it was read from
    trend: str | None = None  # up | down | flat | little: how the release says it moved

    def json_value(self) -> float | int | str:
        if self.value is None:
            return self.status or "NOT_PUBLISHED"
        return int(self.value) if self.field.startswith("nfp_") else float(self.value)


@dataclass(frozen=True)
class MacroRelease:
    kind: str  # cpi | jobs | pce | gdp
    period: str
    figures: tuple[Figure, ...]
    estimate: str | None = None  # GDP: advance | second | third
    released: date | None = None
    notes: tuple[str, ...] = ()  # two_month_change, combined_release, lapse_in_appropriations

    def get(self, field_name: str, period: str | None = None) -> Figure | None:
        for figure in self.figures:
            if figure.field == field_name and (period is None or figure.period == period):
                return figure
        return None

    def value(self, field_name: str, period: str | None = None) -> Decimal | None:
        figure = self.get(field_name, period or self.period)
        return figure.value if figure is not None else None

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "period": self.period, "estimate": self.estimate,
                "released": self.released.isoformat() if self.released else None,
                "notes": list(self.notes),
                "figures": [{"field": f.field, "period": f.period, "value": f.json_value(),
                             **({"status": f.status} if f.status else {}),
                             "stated": f.stated} for f in self.figures]}


# text ---------------------------------------------------------------------------------
_VERBATIM = re.compile(r"-{3,}\s*BEGIN VERBATIM EXCERPT[^\n]*\n(.*?)\n-{3,}\s*END VERBATIM",
                       re.S)
_TAG = re.compile(r"<[^>]+>")
_BLOCK_TAG = re.compile(r"</?(?:p|div|tr|br|h\d|li|pre|table|caption|thead|tbody)\b[^>]*>",
                        re.I)


def looks_like_html(text: str) -> bool:
    return bool(re.search(r"<(?:html|body|div|p|pre|table|h1|span)\b", text[:200_000], re.I))


def html_to_text(raw: str) -> str:
    text = re.sub(r"<!--.*?-->", " ", raw, flags=re.S)
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S | re.I)
    text = _BLOCK_TAG.sub("\n", text)
    text = re.sub(r"</t[dh]>", " | ", text, flags=re.I)
    return html.unescape(_TAG.sub(" ", text))


def normalize(text: str) -> str:
    """One space between words, ASCII dashes and quotes: a wrapped copy reads as the page."""
    text = (text.replace("\u2013", "-").replace("\u2014", "-").replace("\u2212", "-")
            .replace("\u2011", "-").replace("\u00a0", " ").replace("\u2019", "'")
            .replace("\u201c", '"').replace("\u201d", '"'))
    return re.sub(r"\s+", " ", text).strip()


def documents(raw: str) -> list[str]:
    """The release texts in a file: its verbatim excerpts, an RSS feed's items, else all."""
    blocks = _VERBATIM.findall(raw)
    if not blocks:
        body = re.sub(r"<!--.*?-->", " ", raw, flags=re.S)
        lines = body.splitlines()
        while lines and ((lines[0].startswith("# ") and ("SOURCE" in lines[0] or
                                                       "RELEASE" in lines[0]))
                         or lines[0].startswith("#   ")):
            lines.pop(0)
        blocks = ["\n".join(lines)]
    out: list[str] = []
    for block in blocks:
        if "<item" in block and "</item>" in block:
            out.extend(rss_items(block))
        elif looks_like_html(block):
            out.append(html_to_text(block))
        else:
            out.append(block)
    return out


def rss_items(xml: str) -> list[str]:
    """Each item of BEA's feed as a small release text: title, date, description."""
    return [text for text, _ in rss_items_with_links(xml)]


def rss_items_with_links(xml: str) -> list[tuple[str, str | None]]:
    """Each item's release text and the link to its page."""
    items = []
    for item in re.findall(r"<item\b.*?</item>", xml, re.S):
        parts = []
        for tag in ("title", "vintage", "pubDate", "description"):
            match = re.search(rf"<{tag}>(.*?)</{tag}>", item, re.S)
            if not match:
                continue
            value = match.group(1).strip()
            cdata = re.fullmatch(r"<!\[CDATA\[(.*)\]\]>", value, re.S)
            value = cdata.group(1) if cdata else html.unescape(value)
            value = html_to_text(value)
            if tag == "pubDate" and value:
                value = f"Released: {value}"
            if tag == "vintage" and value.strip():
                value = f"Vintage: {value.strip()}"
            parts.append(value)
        link = re.search(r"<link>(.*?)</link>", item, re.S)
        items.append(("\n".join(parts), link.group(1).strip() if link else None))
    return items


# numbers and dates ----------------------------------------------------------------------
def _sign(verb: str) -> int:
    verb = verb.lower()
    if any(word in verb for word in ("unchanged", "changed little", "little changed")):
        return 0
    if any(verb.startswith(word) or f" {word}" in f" {verb}" for word in DOWN):
        return -1
    return 1


def _signed(verb: str, number: str) -> Decimal:
    sign = _sign(verb)
    value = Decimal(number)
    return -value if sign < 0 else value


def _month(name: str) -> int:
    return MONTHS[name.lower().rstrip(".")]


def _count(text: str) -> Decimal:
    """``+1,400,000``, ``-4,000``, ``1.4 million``."""
    text = text.replace("\u2212", "-").replace(",", "").strip()
    sign = -1 if text.startswith("-") else 1
    text = text.lstrip("+-").strip()
    if text.endswith("million"):
        return sign * Decimal(text.removesuffix("million").strip()) * 1_000_000
    return sign * Decimal(text)


_DATE = re.compile(rf"({MONTH})\s+(\d{{1,2}}),?\s+(\d{{4}})")


def _release_date(text: str) -> date | None:
    """The embargo line's day, a feed item's date, a page's "Current release" day."""
    match = re.search(rf"embargoed until.{{0,80}}?({MONTH})\s+(\d{{1,2}}),\s+(\d{{4}})", text,
                      re.S)
    if match:
        return _make_date(*match.groups())
    match = re.search(r"Released: \w+, (\d{1,2}) (\w{3}) (\d{4})", text)
    if match:
        return _make_date(match.group(2), match.group(1), match.group(3))
    match = re.search(rf"(?:Current release:|^)\s*({MONTH})\s+(\d{{1,2}}),\s+(\d{{4}})", text)
    if match:
        return _make_date(*match.groups())
    return None


def _make_date(month: str, day: str, year: str) -> date | None:
    try:
        return date(int(year), _month(month), int(day))
    except (ValueError, KeyError):
        return None


@dataclass
class _Context:
    """What dates a month named alone: the release's own period, its release day, the file."""

    text: str
    whole: str
    released: date | None = None
    anchor: tuple[int, int] | None = None  # (year, month) of the release's period

    def year_of(self, month: int) -> int | None:
        if self.anchor is not None:
            year, anchor_month = self.anchor
            return year if month <= anchor_month else year - 1
        if self.released is not None:
            return (self.released.year if month <= self.released.month
                    else self.released.year - 1)
        for source in (self.text, self.whole):
            for match in re.finditer(rf"\b({MONTH})(?:\s+and\s+{MONTH})?,?\s+(\d{{4}})\b",
                                     source, re.I):
                if re.search(r"\b(?:since|than|before)\s+(?:in\s+)?$",
                             source[max(0, match.start() - 12):match.start()], re.I):
                    continue  # "the largest decline since April 2011": history, not the period
                if _month(match.group(1)) == month or re.search(
                        rf"\band\s+{_month_pattern(month)}", match.group(0), re.I):
                    return int(match.group(2))
        return None

    def period(self, month_name: str) -> str | None:
        month = _month(month_name)
        year = self.year_of(month)
        return f"{year:04d}-{month:02d}" if year else None


def _month_pattern(month: int) -> str:
    name = next(n for n, m in MONTHS.items() if m == month and (len(n) > 4 or n == "may"))
    return name.capitalize()


def _month_before(period: str, month_name: str) -> str:
    """The month named, in the year that puts it before ``period``."""
    year, month = int(period[:4]), int(period[5:7])
    named = _month(month_name)
    return f"{year if named < month else year - 1:04d}-{named:02d}"


def _previous_month(period: str, back: int = 1) -> str:
    year, month = (int(part) for part in period.split("-"))
    index = year * 12 + month - 1 - back
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


# CPI --------------------------------------------------------------------------------------
_CPI_MASTHEAD = re.compile(rf"CONSUMER PRICE INDEX\s*-+\s*({MONTH})\s+(\d{{4}})", re.I)
_CPI_TABLE_TITLE = re.compile(rf"by expenditure category,\s*({MONTH})\s+(\d{{4}})")
_CPI_HEADLINE = re.compile(
    rf"Consumer Price Index for All Urban Consumers \(CPI-U\) (?P<verb>{VERB})"
    rf"(?: (?P<num>{NUM}) percent)?(?P<mid>{_CLAUSE}{{0,120}}?) on a seasonally adjusted "
    rf"basis(?P<after>{_CLAUSE}{{0,160}})")
_TWO_MONTH = re.compile(rf"over the (?:2|two) months from ({MONTH}) (\d{{4}}) to ({MONTH}) "
                        rf"(\d{{4}})")
_CPI_YOY = (
    re.compile(rf"Over the last 12 months, the all items index (?P<verb>{VERB}) (?P<num>{NUM}) "
               r"percent before seasonal adjustment"),
    re.compile(rf"The all items index (?P<verb>{VERB}) (?P<num>{NUM}) percent for the 12 "
               rf"months ending"),
    re.compile(rf"\(CPI-U\) (?P<verb>{VERB}) (?P<num>{NUM}) percent over the last 12 months"),
)
_CORE = (r"(?:The )?(?:seasonally adjusted )?(?:index for all items less food and energy|"
         r"all items less food and energy index)")
_CORE_SENTENCE = re.compile(
    rf"{_CORE} (?:also )?(?P<verb>{VERB})(?: (?P<num>{NUM}) percent)?(?P<rest>{_CLAUSE}{{0,80}})",
    re.I)
_INDEX_LEVEL = re.compile(rf"to an index level of ({NUM}) \(1982-84=100\)")
_TABLE1_ROW = r"\s*\|?\s*".join([r"(-?\d+\.\d+)"] * 9)


def _cpi(ctx: _Context) -> MacroRelease | None:
    text = ctx.text
    figures: list[Figure] = []
    notes: list[str] = []
    period = None
    masthead = _CPI_MASTHEAD.search(text) or _CPI_TABLE_TITLE.search(text)
    if masthead:
        period = f"{int(masthead.group(2)):04d}-{_month(masthead.group(1)):02d}"
    headline = _CPI_HEADLINE.search(text)
    if headline:
        words = headline.group(0)
        two = _TWO_MONTH.search(words)
        if two:
            start = f"{int(two.group(2)):04d}-{_month(two.group(1)):02d}"
            end = f"{int(two.group(4)):04d}-{_month(two.group(3)):02d}"
            period = period or end
            notes.append("two_month_change")
            if headline.group("num"):
                figures.append(Figure("cpi_u_2mo_change_sa_pct", f"{start}..{end}",
                                      _signed(headline.group("verb"), headline.group("num")),
                                      stated=words))
            figures.append(Figure("cpi_u_mom_sa_pct", end, None, NOT_PUBLISHED,
                                  stated=words))
        else:
            month = re.search(rf"\bin ({MONTH})", words)
            if period is None and month:
                ctx_period = ctx.period(month.group(1))
                period = ctx_period
            if period and (headline.group("num") or _sign(headline.group("verb")) == 0):
                figures.append(Figure("cpi_u_mom_sa_pct", period,
                                      _signed(headline.group("verb"),
                                              headline.group("num") or "0"), stated=words))
            prior = re.search(rf"after (?P<verb>rising|falling|declining|increasing|"
                              rf"decreasing) (?P<num>{NUM}) percent in (?P<month>{MONTH})", words)
            if period and prior:
                when = _month_before(period, prior.group("month"))
                figures.append(Figure("cpi_u_mom_sa_pct_as_stated_prior", when,
                                      _signed(prior.group("verb"), prior.group("num")),
                                      stated=prior.group(0)))
    if period is None:
        month = re.search(rf"12 months ending (?:in )?({MONTH})", text)
        if month:
            period = ctx.period(month.group(1))
    if period is None:
        return None
    ctx.anchor = (int(period[:4]), int(period[5:7]))
    for pattern in _CPI_YOY:
        match = pattern.search(text)
        if match:
            figures.append(Figure("cpi_u_yoy_nsa_pct", period,
                                  _signed(match.group("verb"), match.group("num")),
                                  stated=match.group(0)))
            break
    prior_yoy = re.search(rf"after (?P<verb>rising|falling|declining|increasing|decreasing) "
                          rf"(?P<num>{NUM}) percent over the 12 months ending (?P<month>{MONTH})",
                          text)
    if prior_yoy:
        figures.append(Figure("cpi_u_yoy_nsa_pct_as_stated_prior",
                              _month_before(period, prior_yoy.group("month")),
                              _signed(prior_yoy.group("verb"), prior_yoy.group("num")),
                              stated=prior_yoy.group(0)))
    for match in _CORE_SENTENCE.finditer(text):
        rest = match.group("rest")
        number = match.group("num") or ("0" if _sign(match.group("verb")) == 0 else None)
        if number is None:
            continue
        value = _signed(match.group("verb"), number)
        if "12 months" in rest or "over the year" in rest:
            name, when = "core_yoy_nsa_pct", period
        elif re.search(r"(?:2|two) months", rest):
            name = "core_2mo_change_sa_pct"
            when = next((f.period for f in figures if f.field == "cpi_u_2mo_change_sa_pct"),
                        period)
        elif re.match(rf"\s*(?:in {MONTH}|over the month)", rest):
            name, when = "core_mom_sa_pct", period
        else:
            continue
        if not any(f.field == name for f in figures):
            figures.append(Figure(name, when, value, stated=match.group(0)))
    level = _INDEX_LEVEL.search(text)
    if level:
        figures.append(Figure("cpi_u_index_nsa", period, Decimal(level.group(1)),
                              stated=level.group(0)))
    _cpi_table1(text, period, figures)
    if "two_month_change" in notes and not any(f.field == "core_mom_sa_pct" for f in figures):
        figures.append(Figure("core_mom_sa_pct", period, None, NOT_PUBLISHED))
    if re.search(r"lapse in (?:federal )?appropriations", text):
        notes.append("lapse_in_appropriations")
    if not any(f.value is not None for f in figures):
        return None
    return MacroRelease("cpi", period, tuple(figures), released=ctx.released,
                        notes=tuple(notes))


def _cpi_table1(text: str, period: str, figures: list[Figure]) -> None:
    """Table 1's "All items" row: weight, three indexes, two unadjusted and three seasonally
    adjusted changes. Read only for what the narrative did not give."""
    for label, mom, yoy in (("All items", "cpi_u_mom_sa_pct", "cpi_u_yoy_nsa_pct"),
                            ("All items less food and energy", "core_mom_sa_pct",
                             "core_yoy_nsa_pct")):
        match = re.search(rf"(?:^|\|\s*|\s)\b{label}\s*\|?\s*{_TABLE1_ROW}", text)
        if not match or ("Relative importance" not in text.replace("\n", " ") and \
                "Unadjusted indexes" not in text):
            continue
        numbers = match.groups()
        row = f"{label} {' '.join(numbers)}"
        if not any(f.field == yoy for f in figures):
            figures.append(Figure(yoy, period, Decimal(numbers[4]), stated=row))
        if not any(f.field == mom for f in figures):
            figures.append(Figure(mom, period, Decimal(numbers[8]), stated=row))
        if label == "All items" and not any(f.field == "cpi_u_index_nsa" for f in figures):
            figures.append(Figure("cpi_u_index_nsa", period, Decimal(numbers[3]), stated=row))


def trend_of(words: str) -> str | None:
    """How a release says a rate moved: "edged up" → up, "changed little" → little."""
    words = words.lower()
    if re.search(r"changed little|little changed|little or no change|essentially unchanged",
                 words):
        return "little"
    if re.search(r"unchanged|remained|held steady", words):
        return "flat"
    if re.search(r"\b(?:rose|increased|edged up|moved up|ticked up)\b", words):
        return "up"
    if re.search(r"\b(?:fell|declined|decreased|edged down|moved down|ticked down)\b", words):
        return "down"
    return None


# Employment Situation ---------------------------------------------------------------------
_JOBS_MASTHEAD = re.compile(rf"(?:EMPLOYMENT SITUATION|Jobs Report)\s*-+\s*({MONTH})\s+(\d{{4}})",
                            re.I)
_PAYROLLS = re.compile(
    r"Total nonfarm payroll employment (?P<verb>rose|increased|edged up|edged down|declined|"
    r"decreased|fell|changed little|was little changed|was essentially unchanged|"
    r"was unchanged|showed little change|was about unchanged)"
    r"(?: by (?P<num>[\d,.]+(?: million)?))?(?: (?:in (?P<month>" + MONTH + r")|over the "
    r"month))?"
    r"(?: \((?P<paren>[+\-]?[\d,]+)\))?")
_UNEMPLOYMENT = (
    re.compile(rf"[Tt]he unemployment rate,? at ({NUM}) percent"),
    re.compile(rf"[Tt]he unemployment rate (?:{VERB}|rose|fell|remained|held) (?:at|to) "
               rf"({NUM}) percent"),
    re.compile(rf"[Tt]he unemployment rate (?:was|held) (?:at|steady at )?({NUM}) percent"),
)
_SKIPPED = re.compile(rf"unemployment rate, at {NUM} percent,? (?:was little changed|changed "
                      rf"little|was unchanged|edged (?:up|down)|(?:rose|fell)) from ({MONTH})")
_AHE_MOM = re.compile(
    rf"average hourly earnings for all employees on private nonfarm payrolls (?P<verb>rose|"
    rf"increased|fell|decreased|declined|edged up|edged down|were unchanged)"
    rf"(?: by [\w-]+ cents?,? or)? (?P<num>{NUM}) percent")
_AHE_YOY = re.compile(
    rf"Over the (?:past|last) 12 months, average hourly earnings have (?P<verb>increased|risen|"
    rf"grown|decreased|declined|fallen) by (?P<num>{NUM}) percent")
_REVISION = re.compile(
    rf"(?:change (?:in total nonfarm payroll employment )?for|change for) (?P<month>{MONTH}) "
    rf"was revised (?:(?:up|down) )?(?:by [\d,]+,? )?from (?P<old>[+\-]?[\d,]+) to "
    rf"(?P<new>[+\-]?[\d,]+)")


def _jobs(ctx: _Context) -> MacroRelease | None:
    text = ctx.text
    payrolls = _PAYROLLS.search(text)
    if not payrolls and "nonfarm payroll" not in text:
        return None
    period = None
    masthead = _JOBS_MASTHEAD.search(text)
    if masthead:
        period = f"{int(masthead.group(2)):04d}-{_month(masthead.group(1)):02d}"
    elif payrolls and payrolls.group("month"):
        period = ctx.period(payrolls.group("month"))
    if period is None:
        month = re.search(rf"(?:unemployment rate|payroll employment){_CLAUSE}*? in ({MONTH})",
                          text)
        period = ctx.period(month.group(1)) if month else None
    if period is None:
        return None
    ctx.anchor = (int(period[:4]), int(period[5:7]))
    figures: list[Figure] = []
    if payrolls:
        amount = payrolls.group("paren") or payrolls.group("num")
        if amount:
            value = _count(amount)
            if payrolls.group("num") and not payrolls.group("paren"):
                value = abs(value) * (-1 if _sign(payrolls.group("verb")) < 0 else 1)
            figures.append(Figure("nfp_change", period, value, stated=payrolls.group(0)))
    found = [m for m in (pattern.search(text) for pattern in _UNEMPLOYMENT) if m]
    if found:  # the first mention: the headline's, not a later section's
        match = min(found, key=lambda m: m.start())
        words = re.split(r"\.(?!\d)", text[match.start():match.end() + 60])[0]
        figures.append(Figure("unemployment_rate_pct", period, Decimal(match.group(1)),
                              stated=match.group(0), trend=trend_of(words)))
    skipped = _SKIPPED.search(text)
    lapse = re.search(r"lapse in (?:federal )?appropriations|did not collect|shutdown", text,
                      re.I)
    if skipped and lapse:
        compared = ctx.period(skipped.group(1))
        missing = _previous_month(period)
        while compared and missing > compared:
            figures.append(Figure("unemployment_rate_pct", missing, None, NOT_COLLECTED,
                                  stated=skipped.group(0)))
            missing = _previous_month(missing)
    ahe = _AHE_MOM.search(text)
    if ahe:
        figures.append(Figure("ahe_mom_pct", period, _signed(ahe.group("verb"), ahe.group("num")),
                              stated=ahe.group(0)))
    ahe_yoy = _AHE_YOY.search(text)
    if ahe_yoy:
        figures.append(Figure("ahe_yoy_pct", period,
                              _signed(ahe_yoy.group("verb"), ahe_yoy.group("num")),
                              stated=ahe_yoy.group(0)))
    for revision in _REVISION.finditer(text):
        when = ctx.period(revision.group("month"))
        if when and when < period and not any(
                f.field == "nfp_change_revised" and f.period == when for f in figures):
            figures.append(Figure("nfp_change_revised", when, _count(revision.group("new")),
                                  stated=revision.group(0)))
            figures.append(Figure("nfp_change_prior_estimate", when,
                                  _count(revision.group("old")), stated=revision.group(0)))
    if not any(f.value is not None for f in figures):
        return None
    notes = ("lapse_in_appropriations",) if lapse else ()
    return MacroRelease("jobs", period, tuple(figures), released=ctx.released, notes=notes)


# Personal Income and Outlays (PCE) ----------------------------------------------------------
_PIO_TITLE = re.compile(rf"Personal Income and Outlays,\s*({MONTH})(?:\s+and\s+({MONTH}))?,?\s+"
                        rf"(\d{{4}})")
_PRICE_LEAD = re.compile(
    rf"(?:From the (?P<base>preceding month|same month one year ago), the|(?<![a-z] )\bThe) "
    rf"PCE price index"
    rf"(?: for (?P<month>{MONTH}))? (?P<verb>increased|decreased|rose|fell|declined|"
    rf"was unchanged)(?P<less> less than)?(?: (?P<num>{NUM}) percent)?(?P<rest>(?:[^.]|\.(?=\d))*)")
_PRICE_CORE = re.compile(
    rf"Excluding food and energy, the PCE price index (?:also )?(?P<verb>increased|decreased|"
    rf"rose|fell|declined|was unchanged)(?P<less> less than)?(?: (?P<num>{NUM}) percent)?"
    rf"(?P<rest>(?:[^.]|\.(?=\d))*)")
_PAIR = re.compile(rf"(?:in (?P<m1>{MONTH}), )?followed by an? (?:increase|decrease) of "
                   rf"(?P<num2>{NUM}) percent(?: in (?P<m2>{MONTH}))?")
def _dollar_change(subject: str, rate: str = "") -> re.Pattern[str]:
    """"<subject> increased $194.7 billion (0.8 percent<rate>)", a "less than" kept."""
    return re.compile(
        rf"{subject} (?P<verb>increased|decreased)(?P<less1> less than)? \$(?P<amount>[\d.,]+) "
        rf"(?:billion|trillion) \((?P<less> ?less than)? ?(?P<num>{NUM}) percent{rate}\)")


_INCOME = _dollar_change(r"(?<![a-z] )\bPersonal income", " at a monthly rate")
_SPENDING = _dollar_change(r"personal consumption expenditures \(PCE\)")
_TABLE_ROW = re.compile(r"^\s*\|?\s*(PCE price index(?:,? excluding food and energy)?)\s*"
                        r"((?:\|?\s*-?\d+\.\d\s*)+)", re.M)


def _pce(ctx: _Context) -> MacroRelease | None:
    text = ctx.text
    leads = list(_PRICE_LEAD.finditer(text))
    income = _INCOME.search(text)
    spending = _SPENDING.search(text)
    if not leads and not income and not spending:
        return None
    months: list[str] = []
    title = _PIO_TITLE.search(text)
    if title:
        year = int(title.group(3))
        months = [f"{year:04d}-{_month(m):02d}" for m in title.groups()[:2] if m]
    if not months:
        for source in (leads[0].group(0) if leads else "",
                       income.group(0) + text[income.end():income.end() + 20] if income else "",
                       text):
            month = re.search(rf"(?:for|in) ({MONTH})\b", source)
            if month:
                found = ctx.period(month.group(1))
                if found:
                    months = [found]
                    both = re.search(rf"in both ({MONTH}) and ({MONTH})", text)
                    if both:
                        months = [p for p in (ctx.period(both.group(1)),
                                              ctx.period(both.group(2))) if p]
                    break
    if not months:
        return None
    period = months[-1]
    ctx.anchor = (int(period[:4]), int(period[5:7]))
    figures: list[Figure] = []
    table = {m.group(1).replace(",", ""): m.group(2) for m in _TABLE_ROW.finditer(
        text.replace(" | ", "\n| ").replace("\n| PCE", "\nPCE"))}
    base = None
    in_order = sorted([(m.start(), m, False) for m in _PRICE_LEAD.finditer(text)] +
                      [(m.start(), m, True) for m in _PRICE_CORE.finditer(text)],
                      key=lambda item: item[0])
    for _, match, core in in_order:
        rest = match.group("rest")
        if not core:
            lead = match.group("base")
            base = ("yoy" if lead == "same month one year ago" or "year ago" in rest
                    else "mom" if lead == "preceding month" or re.match(
                        rf"\s*(?:in {MONTH}|over the month|from the preceding month)?\s*$",
                        rest) else None)
        elif "year ago" in rest:  # "… increased 2.8 percent from one year ago"
            base = "yoy"
        if base is None:
            continue
        name = ("core_pce_price" if core else "pce_price") + f"_{base}_pct"
        table_key = ("PCE price index excluding food and energy" if core else "PCE price index")
        for when, value, status, stated in _price_values(match, months, ctx, table_key,
                                                         table if base == "mom" else {}):
            if not any(f.field == name and f.period == when for f in figures):
                figures.append(Figure(name, when, value, status, stated=stated))
    for pattern, name in ((_INCOME, "personal_income_mom_pct"),
                          (_SPENDING, "pce_nominal_mom_pct")):
        amount = pattern.search(text)
        if amount is None:
            continue
        if amount.group("less"):
            direction = "decrease" if _sign(amount.group("verb")) < 0 else "increase"
            figures.append(Figure(name, period, None, f"less than 0.1 ({direction})",
                                  stated=amount.group(0)))
        else:
            figures.append(Figure(name, period, _signed(amount.group("verb"),
                                                        amount.group("num")),
                                  stated=amount.group(0)))
    if not figures:
        return None
    notes = ("combined_release",) if len(months) > 1 else ()
    return MacroRelease("pce", period, tuple(figures), released=ctx.released, notes=notes)


def _price_values(match: re.Match[str], months: list[str], ctx: _Context, table_key: str,
                  table: dict[str, str]) -> list[tuple[str, Decimal | None, str | None, str]]:
    words = match.group(0)
    rest = match.group("rest")
    verb = match.group("verb")
    month = match.groupdict().get("month")
    when = ctx.period(month) if month else months[-1]
    if match.group("less"):
        numbers = re.findall(r"-?\d+\.\d", table.get(table_key, ""))
        direction = "decrease" if _sign(verb) < 0 else "increase"
        value = Decimal(numbers[-1]) if numbers else Decimal(0)
        return [(when or months[-1], value, f"less than 0.1 ({direction})", words)]
    number = match.group("num") or ("0" if "unchanged" in verb else None)
    if number is None:
        return []
    first = _signed(verb, number)
    pair = _PAIR.search(rest)
    if "in both" in rest and len(months) > 1:
        return [(m, first, None, words) for m in months]
    if pair and len(months) > 1:
        return [(months[0], first, None, words),
                (months[1], Decimal(pair.group("num2")), None, words)]
    single = re.search(rf"in ({MONTH})", rest)
    if single:
        when = ctx.period(single.group(1)) or when
    return [(when or months[-1], first, None, words)]


# GDP ----------------------------------------------------------------------------------------
_GDP = re.compile(
    rf"Real (?:gross domestic product \(GDP\)|GDP) (?P<verb>increased|decreased|rose|fell|"
    rf"declined) "
    rf"at an annual rate of (?P<num>{NUM}) percent in the (?P<q>first|second|third|fourth) "
    rf"quarter(?: of (?P<year>\d{{4}}))?")
_GDP_PRIOR = re.compile(
    rf"In the (?P<q>first|second|third|fourth) quarter(?: of (?P<year>\d{{4}}))?, real GDP "
    rf"(?P<verb>increased|decreased|rose|fell|declined) (?P<num>{NUM}) percent")
_ESTIMATE = (
    re.compile(r"according to the [\"']?(advance|second|third|initial|updated)[\"']? estimate",
               re.I),
    re.compile(r"\((advance|second|third|initial|updated) estimate\)", re.I),
    re.compile(r"Vintage: (adv|2nd|3rd)\b", re.I),
    re.compile(r"Q[1-4] \d{4} \((adv|2nd|3rd)\)", re.I),
)
_ESTIMATE_NAMES = {"adv": "advance", "2nd": "second", "3rd": "third"}
_QUARTER_TITLE = re.compile(r"(1st|2nd|3rd|4th|First|Second|Third|Fourth) Quarter(?: and Year)?"
                            r",? (\d{4})", re.I)


def _gdp(ctx: _Context) -> MacroRelease | None:
    text = ctx.text
    match = _GDP.search(text)
    if not match:
        return None
    quarter = QUARTERS[match.group("q")]
    year: int | None = int(match.group("year")) if match.group("year") else None
    if year is None:
        title = _QUARTER_TITLE.search(text)
        if title and QUARTERS[title.group(1).lower()] == quarter:
            year = int(title.group(2))
    if year is None and ctx.released is not None:
        year = ctx.released.year if quarter * 3 < ctx.released.month else ctx.released.year - 1
    if year is None:
        found = re.search(rf"(?:{match.group('q')}|{['1st', '2nd', '3rd', '4th'][quarter - 1]}) "
                          rf"quarter(?: and year)?,? (?:of )?(\d{{4}})", ctx.whole, re.I)
        year = int(found.group(1)) if found else None
    if year is None:
        return None
    period = f"{year}Q{quarter}"
    figures = [Figure("real_gdp_saar_pct", period, _signed(match.group("verb"),
                                                           match.group("num")),
                      stated=match.group(0))]
    estimate = None
    for pattern in _ESTIMATE:
        found_estimate = pattern.search(text)
        if found_estimate:
            word = found_estimate.group(1).lower()
            estimate = _ESTIMATE_NAMES.get(word, word)
            break
    prior = _GDP_PRIOR.search(text, match.end())
    if prior:
        prior_quarter = QUARTERS[prior.group("q")]
        prior_year = int(prior.group("year")) if prior.group("year") else (
            year if prior_quarter < quarter else year - 1)
        figures.append(Figure("real_gdp_saar_pct_as_stated_prior",
                              f"{prior_year}Q{prior_quarter}",
                              _signed(prior.group("verb"), prior.group("num")),
                              stated=prior.group(0)))
    return MacroRelease("gdp", period, tuple(figures), estimate=estimate,
                        released=ctx.released)


# entry points -------------------------------------------------------------------------------
_READERS = (_cpi, _jobs, _pce, _gdp)


def parse_document(text: str, whole: str = "") -> list[MacroRelease]:
    """The releases in one release text (a page may carry a GDP release and a PIO box)."""
    flat = normalize(text)
    released = _release_date(flat)
    found = []
    for reader in _READERS:
        release = reader(_Context(flat, normalize(whole or text), released))
        if release is not None:
            found.append(release)
    return found


def parse_macro_file(raw: str) -> list[MacroRelease]:
    """Every release a file holds, copies of one release merged (first reading wins)."""
    merged: dict[tuple[str, str, str | None], MacroRelease] = {}
    for text in documents(raw):
        for release in parse_document(text, raw):
            key = (release.kind, release.period, release.estimate)
            if key not in merged:
                merged[key] = release
                continue
            old = merged[key]
            have = {(f.field, f.period) for f in old.figures}
            extra = tuple(f for f in release.figures if (f.field, f.period) not in have)
            merged[key] = replace(old, figures=old.figures + extra,
                                  released=old.released or release.released,
                                  notes=tuple(dict.fromkeys(old.notes + release.notes)))
    if not merged:
        raise MacroParseError("no CPI, jobs, PCE or GDP figures found")
    return list(merged.values())


def released_at(release: MacroRelease) -> datetime | None:
    """8:30 a.m. Eastern (BLS's and BEA's release time) on the release day, when the text
    gives the day."""
    if release.released is None:
        return None
    return datetime(release.released.year, release.released.month, release.released.day, 8, 30,
                    tzinfo=ZoneInfo("America/New_York"))


__all__ = ["Figure", "MacroParseError", "MacroRelease", "documents", "parse_document",
           "parse_macro_file", "released_at", "rss_items", "rss_items_with_links"]
