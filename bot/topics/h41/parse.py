"""Read the H.4.1 release and its data files: pure functions, no I/O.

Accepted inputs: the release web page (HTML), its ASCII form (``H41.TXT``), a FRED
``fredgraph.csv`` with one or several of WALCL, TREAST, WSHOMCB, WSHOSHO, WRESBAL, and a
DDP SDMX-ML file. All amounts are millions of U.S. dollars.

Table rows are found by their normalised label (footnote markers such as ``outright1``
or ``(1)`` removed), never by position: line items come and go over the years. Signs
are separate tokens (``- 7,010``), a zero change is a bare ``0``.
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta

UNIT = "millions_usd"


class H41ParseError(ValueError):
    """Not an H.4.1 release or data file we can read (truncated, other layout)."""


@dataclass(frozen=True)
class H41Week:
    week_ending: date  # the Wednesday the levels refer to
    total_assets: int | None
    securities: int | None
    treasuries: int | None
    mbs: int | None
    reserves: int | None  # week average (FRED WRESBAL, table 1 first column)
    release_date: date | None = None
    reserves_wednesday: int | None = None
    total_assets_change_1w: int | None = None  # as printed in table 5 ("Change since")
    # liquidity lines of table 1, Wednesday levels
    tga: int | None = None  # U.S. Treasury, General Account
    reverse_repos: int | None = None  # all reverse repurchase agreements
    on_rrp: int | None = None  # reverse repos "Others": the ON RRP facility
    currency: int | None = None  # currency in circulation

    @property
    def net_liquidity(self) -> int | None:
        """Total assets − TGA − ON RRP (Wednesday levels), as liquidity watchers chart it."""
        if self.total_assets is None or self.tga is None or self.on_rrp is None:
            return None
        return self.total_assets - self.tga - self.on_rrp

    def as_json(self) -> dict[str, object]:
        data = {k: (v.isoformat() if isinstance(v, date) else v)
                for k, v in asdict(self).items()
                if k in ("week_ending", "total_assets", "securities", "treasuries", "mbs",
                         "reserves", "tga", "reverse_repos", "on_rrp", "currency")}
        # reserves: the week average where the source has it, else the Wednesday level
        # (the DDP file's series), with which one it is
        if self.reserves is None and self.reserves_wednesday is not None:
            data["reserves"] = self.reserves_wednesday
        data["reserves_basis"] = ("week_average" if self.reserves is not None else
                                  "wednesday" if self.reserves_wednesday is not None else None)
        data["net_liquidity"] = self.net_liquidity
        data["unit"] = UNIT
        if self.release_date:
            data["release_date"] = self.release_date.isoformat()
        return data


# Row tokens ---------------------------------------------------------------------------
_MONTH = (r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?")
_DATE = re.compile(rf"\b({_MONTH})\s+(\d{{1,2}}),\s+(\d{{4}})")


def normalize_label(label: str) -> str:
    """``Securities held outright1`` / ``(1)`` → ``securities held outright``."""
    text = label.replace("\u00a0", " ").strip()
    text = re.sub(r"\(\d{1,2}\)", " ", text)
    text = re.sub(r"(?<=[A-Za-z,)])\d{1,2}(?:,\d{1,2})*$", "", text)
    text = re.sub(r"\s+", " ", text).strip(" :.").lower()
    return text


_SIGNS = {"+": 1, "-": -1, "\u2013": -1, "\u2212": -1}
_VALUE = re.compile(r"^([+\-\u2212]?)(\d{1,3}(?:,\d{3})+|\d+)$")


def split_row(line: str) -> tuple[str, list[int]] | None:
    """A table row as (label, its numbers with signs); None if it has no trailing numbers.

    Numbers are read from the right until a word: a label with a year in it
    ("MS Facilities 2020 LLC") keeps the year. A sign may be its own token.
    """
    tokens = line.replace("\u00a0", " ").split()
    values: list[int] = []
    index = len(tokens)
    while index > 0:
        match = _VALUE.match(tokens[index - 1])
        if not match:
            break
        value = int(match.group(2).replace(",", ""))
        if match.group(1) in ("-", "\u2212"):
            value = -value
        index -= 1
        if index > 0 and tokens[index - 1] in _SIGNS:
            value *= _SIGNS[tokens[index - 1]]
            index -= 1
        values.insert(0, value)
    label = " ".join(tokens[:index])
    if not values or not re.search(r"[A-Za-z]", label):
        return None
    return normalize_label(label), values


# Documents → lines --------------------------------------------------------------------
def looks_like_html(text: str) -> bool:
    head = text[:3000].lower()
    return "<html" in head or "<table" in head or "<!doctype" in head


def html_lines(html: str) -> list[str]:
    """Text lines in document order: one per heading/paragraph, one per table row."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    lines = []
    for element in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p", "caption", "tr",
                                  "pre", "th"]):
        if element.name == "th" and element.find_parent("tr") is not None:
            continue
        if element.name != "tr" and element.find_parent("tr") is not None:
            continue
        if element.name == "pre":
            lines.extend(element.get_text().splitlines())
            continue
        if element.name == "tr":
            cells = [c.get_text(" ", strip=True) for c in element.find_all(["td", "th"])]
            lines.append("  ".join(c for c in cells if c))
        else:
            lines.append(element.get_text(" ", strip=True))
    return [line for line in lines if line.strip()]


_TABLE_TITLE = re.compile(r"^\s*(\d{1,2}[A-Z]?)\.\s+[A-Z]")


def _tables(lines: list[str]) -> dict[str, list[str]]:
    """Lines grouped by printed table number ("1", "1A", "5", ...); "" before the first."""
    tables: dict[str, list[str]] = {"": []}
    current = ""
    for line in lines:
        match = _TABLE_TITLE.match(line)
        if match and re.search(r"Factors|Statement|Maturity|Memorandum|Collateral|"
                               r"Information|Supplemental|Condition", line, re.I):
            current = match.group(1)
            tables.setdefault(current, [])
            continue
        tables.setdefault(current, []).append(line)
    return tables


def _first(rows: list[tuple[str, list[int]]], *labels: str) -> list[int] | None:
    for label, values in rows:
        if label in labels:
            return values
    return None


def _first_after(rows: list[tuple[str, list[int]]], anchor: str,
                 label: str) -> list[int] | None:
    """A sub-row under ``anchor`` ("Others" under "Reverse repurchase agreements", not the
    "Others" under "Repurchase agreements" on the supplying side)."""
    seen = False
    for name, values in rows:
        if name == anchor:
            seen = True
        elif seen and name == label:
            return values
    return None


def _wednesday(values: list[int] | None) -> int | None:
    return values[-1] if values is not None and len(values) >= 4 else None


def _dates(text: str) -> list[date]:
    out = []
    for month, day, year in _DATE.findall(text):
        try:
            out.append(datetime.strptime(f"{month[:3]} {day} {year}", "%b %d %Y").date())
        except ValueError:
            continue
    return out


def parse_release(text: str) -> H41Week:
    """The H.4.1 release page (HTML) or its ASCII form → the week's figures."""
    lines = html_lines(text) if looks_like_html(text) else text.splitlines()
    if not any("Factors Affecting Reserve Balances" in line for line in lines):
        raise H41ParseError("no 'Factors Affecting Reserve Balances' table")
    tables = _tables(lines)
    table1 = tables.get("1")
    table5 = tables.get("5")
    if not table1:
        raise H41ParseError("table 1 not found")
    rows1 = [r for r in (split_row(line) for line in table1) if r]
    rows5 = [r for r in (split_row(line) for line in table5 or []) if r]

    def level(values: list[int] | None, name: str) -> int:
        if values is None:
            raise H41ParseError(f"table 1 has no {name} row")
        if len(values) < 4:
            raise H41ParseError(f"table 1 row {name} has {len(values)} numbers, not 4")
        return values[-1]

    # table 1 columns: week average, change from last week, from a year ago, Wednesday
    securities = level(_first(rows1, "securities held outright"), "securities held outright")
    treasuries = level(_first(rows1, "u.s. treasury securities", "u.s. treasury"),
                       "U.S. Treasury securities")
    mbs_row = _first(rows1, "mortgage-backed securities")
    mbs = level(mbs_row, "mortgage-backed securities") if mbs_row is not None else 0
    reserves_row = _first(rows1, "reserve balances with federal reserve banks")
    has_four = reserves_row is not None and len(reserves_row) >= 4
    reserves = reserves_row[-4] if has_four else None  # type: ignore[index]
    reserves_wed = reserves_row[-1] if has_four else None  # type: ignore[index]
    # table 5 columns: Wednesday level, change since last Wednesday, since a year ago
    total_row = _first(rows5, "total assets")
    total = total_row[-3] if total_row and len(total_row) >= 3 else None
    total_change = total_row[-2] if total_row and len(total_row) >= 3 else None
    if total is None:
        raise H41ParseError("table 5 has no total assets row (page cut short?)")
    if treasuries + mbs > securities * 1.01 or total < securities:
        raise H41ParseError("figures do not add up (page cut short or misread)")

    header = "\n".join(lines[:200])
    release_date = None
    match = re.search(r"Release Date:\s*(" + _DATE.pattern + ")", header)
    if match:
        release_date = _dates(match.group(1))[0]
    all_dates = _dates("\n".join(table1[:40]) + "\n" + header)
    if release_date is None and all_dates:
        release_date = max(all_dates)
    wednesdays = [d for d in all_dates if d.weekday() == 2 and
                  (release_date is None or d < release_date)]
    if release_date is not None:
        week = release_date - timedelta(days=(release_date.weekday() - 2) % 7 or 7)
    elif wednesdays:
        week = max(wednesdays)
    else:
        raise H41ParseError("no release date found")
    return H41Week(week_ending=week, total_assets=total, securities=securities,
                   treasuries=treasuries, mbs=mbs, reserves=reserves,
                   release_date=release_date, reserves_wednesday=reserves_wed,
                   total_assets_change_1w=total_change,
                   tga=_wednesday(_first(rows1, "u.s. treasury, general account")),
                   reverse_repos=_wednesday(_first(rows1, "reverse repurchase agreements")),
                   on_rrp=_wednesday(_first_after(rows1, "reverse repurchase agreements",
                                                  "others")),
                   currency=_wednesday(_first(rows1, "currency in circulation")))


def release_date_of(text: str) -> date | None:
    """Just the ``Release Date:`` of a page (cheap check whether it changed)."""
    match = re.search(r"Release Date:\s*(?:</[^>]+>\s*)*(" + _DATE.pattern + ")", text)
    if match:
        return _dates(match.group(1))[0]
    return None


# FRED ---------------------------------------------------------------------------------
FRED_SERIES = {"WALCL": "total_assets", "TREAST": "treasuries", "WSHOMCB": "mbs",
               "WSHOSHO": "securities", "WRESBAL": "reserves",
               # liquidity, Wednesday levels: TGA, all reverse repos, their "Others" line
               # (the ON RRP facility), currency; RRPONTSYD is the NY Fed's daily ON RRP
               # take-up in billions, used only where WLRRAOL is missing
               "WDTGAL": "tga", "WLRRAL": "reverse_repos", "WLRRAOL": "on_rrp",
               "RRPONTSYD": "on_rrp_daily", "WCURCIR": "currency"}


def parse_fred_csv(text: str) -> list[H41Week]:
    """``fredgraph.csv`` with one or more H.4.1 series (``.`` = missing) → weeks."""
    reader = csv.reader(io.StringIO(text.strip().lstrip("\ufeff")))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise H41ParseError("empty CSV") from None
    if not header or header[0].lower() not in ("observation_date", "date"):
        raise H41ParseError(f"not a FRED CSV (first column {header[:1]})")
    columns = {name: FRED_SERIES[name.upper()] for name in header[1:]
               if name.upper() in FRED_SERIES}
    if not columns:
        raise H41ParseError(f"none of {', '.join(FRED_SERIES)} in the CSV")
    weeks = []
    for row in reader:
        if not row or not row[0].strip():
            continue
        try:
            day = date.fromisoformat(row[0].strip())
        except ValueError:
            raise H41ParseError(f"bad date {row[0]!r}") from None
        values: dict[str, int | None] = {}
        for name, field in columns.items():
            raw = row[header.index(name)].strip() if header.index(name) < len(row) else ""
            values[field] = _fred_value(raw, name)
        on_rrp = values.get("on_rrp")
        if on_rrp is None and values.get("on_rrp_daily") is not None:
            on_rrp = values["on_rrp_daily"]
        weeks.append(H41Week(week_ending=day, total_assets=values.get("total_assets"),
                             securities=values.get("securities"),
                             treasuries=values.get("treasuries"), mbs=values.get("mbs"),
                             reserves=values.get("reserves"), tga=values.get("tga"),
                             reverse_repos=values.get("reverse_repos"), on_rrp=on_rrp,
                             currency=values.get("currency")))
    if not weeks:
        raise H41ParseError("no rows in the CSV")
    return sorted(weeks, key=lambda w: w.week_ending)


def _fred_value(raw: str, series: str) -> int | None:
    if raw in ("", ".", "NA", "#N/A"):
        return None
    try:
        value = float(raw.replace(",", ""))
    except ValueError:
        raise H41ParseError(f"bad {series} value {raw!r}") from None
    if series.upper() == "WRESBAL" and "." in raw and value < 100_000:
        value *= 1000  # older downloads are in billions with three decimals
    if series.upper() == "RRPONTSYD":
        value *= 1000  # billions
    return round(value)


# DDP ----------------------------------------------------------------------------------
DDP_SERIES = {"RESPPA_N.WW": "total_assets", "RESPPALG_N.WW": "securities",
              "RESPPALGUO_N.WW": "treasuries", "RESPPALGASMO_N.WW": "mbs",
              "RESH4R_N.WW": "reserves_wednesday",
              # the liquidity lines, Wednesday levels (as table 1 of the release gives them)
              "RESPPLLDT_N.WW": "tga", "RESPPLLR_N.WW": "reverse_repos",
              "RESPPLLRD_N.WW": "on_rrp", "RESTBC_N.WW": "currency"}


def parse_ddp_xml(text: str) -> list[H41Week]:
    """A DDP SDMX-ML file of the H41 package → weeks (Wednesday levels)."""
    try:
        root = ET.fromstring(text.encode() if isinstance(text, str) else text)
    except ET.ParseError as exc:
        raise H41ParseError(f"not XML: {exc}") from None
    found: dict[date, dict[str, int | None]] = {}
    for series in root.iter():
        if not series.tag.endswith("Series"):
            continue
        field = DDP_SERIES.get(series.get("SERIES_NAME", ""))
        if field is None:
            continue
        multiplier = int(series.get("UNIT_MULT", "1000000"))
        for obs in series:
            if not obs.tag.endswith("Obs"):
                continue
            day = date.fromisoformat(obs.get("TIME_PERIOD", "")[:10])
            raw = obs.get("OBS_VALUE")
            value = None
            if raw not in (None, "-999999") and obs.get("OBS_STATUS") != "NA":
                value = round(float(raw) * multiplier / 1_000_000)
            found.setdefault(day, {})[field] = value
    if not found:
        raise H41ParseError("no H.4.1 series in the DDP file")
    return [H41Week(week_ending=day, total_assets=v.get("total_assets"),
                    securities=v.get("securities"), treasuries=v.get("treasuries"),
                    mbs=v.get("mbs"), reserves=None,
                    reserves_wednesday=v.get("reserves_wednesday"), tga=v.get("tga"),
                    reverse_repos=v.get("reverse_repos"), on_rrp=v.get("on_rrp"),
                    currency=v.get("currency"))
            for day, v in sorted(found.items())]


# Any file -----------------------------------------------------------------------------
def parse_h41_file(text: str) -> list[H41Week]:
    """Whatever the file is (page, ASCII, FRED CSV, DDP XML) → its weeks, oldest first."""
    stripped = text.lstrip("\ufeff").lstrip()
    if stripped.startswith("<?xml") or "<message:" in stripped[:2000] or \
            "SDMX" in stripped[:2000]:
        return parse_ddp_xml(stripped)
    first = stripped.split("\n", 1)[0].lower()
    if first.startswith(("observation_date", "date,")):
        return parse_fred_csv(stripped)
    return [parse_release(text)]


def merge_weeks(*series: Iterable[H41Week]) -> list[H41Week]:
    """Later sources fill the gaps of earlier ones, week by week."""
    merged: dict[date, H41Week] = {}
    for weeks in series:
        for week in weeks:
            old = merged.get(week.week_ending)
            if old is None:
                merged[week.week_ending] = week
                continue
            updates = {k: v for k, v in asdict(week).items()
                       if v is not None and getattr(old, k) is None}
            merged[week.week_ending] = replace(old, **updates)
    return [merged[d] for d in sorted(merged)]
