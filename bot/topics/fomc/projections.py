"""The Summary of Economic Projections (SEP): medians of Table 1 and the dot plot. Pure.

Read from the accessible projection tables page (``fomcprojtablYYYYMMDD.htm``), from a
text rendering of it (one cell per line) or from the PDF's text (columns in a row). In
every form Table 1's rows start with the variable's name, then the medians, one per
year and the longer run, then the central tendencies and ranges ("2.2–2.4"). Footnote
markers are bare integers ("Core PCE inflation4", or "4" on its own line); the
projections always have one decimal, so only such numbers are taken. Core PCE has no
longer-run projection, so its row has one median fewer.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

VARIABLES: dict[str, str] = {
    "gdp": r"Change in real GDP",
    "unemployment": r"Unemployment rate",
    "pce": r"(?<!Core )PCE inflation",
    "core_pce": r"Core PCE inflation",
    "fed_funds": r"Federal funds rate",
}
LONGER_RUN = "longer_run"
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_VALUE = re.compile(r"^-?\d+\.\d+$")
_FOOTNOTE = re.compile(r"^\d{1,2}$")


class ProjectionsParseError(ValueError):
    """Not a projection table, or Table 1 lost its rows."""


@dataclass(frozen=True, slots=True)
class DotPlot:
    """Participants per midpoint (percent) for each column ("2026", …, "longer_run")."""

    columns: tuple[str, ...]
    counts: dict[Decimal, tuple[int, ...]]


@dataclass(frozen=True, slots=True)
class Projections:
    released: date | None
    medians: dict[str, dict[str, Decimal]]
    dots: DotPlot | None = None
    columns: tuple[str, ...] = field(default=())

    def as_json(self) -> dict[str, dict[str, float]]:
        """The medians the CLI prints: fed funds, core PCE, unemployment, GDP."""
        return {name: {column: float(value) for column, value in self.medians[name].items()}
                for name in ("fed_funds", "core_pce", "unemployment", "gdp")
                if name in self.medians}


def _plain(raw: str) -> str:
    text = raw
    if re.search(r"<(?:td|th|tr|table|p|div)\b", text, re.I):
        text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S | re.I)
        text = re.sub(r"<sup\b[^>]*>.*?</sup>", " ", text, flags=re.S | re.I)  # footnotes
        text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    text = text.replace("\xa0", " ").replace("\u2011", "-")
    return re.sub(r"\s+", " ", text)


def _released(text: str) -> date | None:
    match = re.search(r"(" + "|".join(_MONTHS) + r") (\d{1,2}), (\d{4})", text)
    if not match:
        return None
    return date(int(match.group(3)), _MONTHS.index(match.group(1)) + 1, int(match.group(2)))


def _columns(table: str) -> tuple[str, ...]:
    """("2026", "2027", …, "longer_run") from Table 1's header."""
    match = re.search(r"((?:(?:19|20)\d\d\s+){1,6})Longer", table)
    if not match:
        raise ProjectionsParseError("no year header (2026 2027 … Longer run) in Table 1")
    return (*match.group(1).split(), LONGER_RUN)


def _row(table: str, name: str, columns: tuple[str, ...]) -> dict[str, Decimal] | None:
    match = re.search(VARIABLES[name] + r"\d?\b", table)
    if not match:
        return None
    values: list[Decimal] = []
    for token in table[match.end():].split():
        if _VALUE.match(token):
            values.append(Decimal(token))
            if len(values) == len(columns):
                break
        elif _FOOTNOTE.match(token) and not values:
            continue
        else:  # a range ("2.2–2.4"), a word: the medians are over
            break
    if name == "core_pce":  # never projected over the longer run
        values = values[: len(columns) - 1]
    if len(values) < len(columns) - 1:
        return None
    return dict(zip(columns, values, strict=False))


def _dot_plot(raw: str) -> DotPlot | None:
    """Figure 2 from the accessible page's table (empty cells as &nbsp;)."""
    start = raw.find("Figure 2")
    if start < 0 or "<tr" not in raw[start:]:
        return None
    block = raw[start:]
    end = block.find("</table>")
    block = block[: end if end > 0 else len(block)]
    header = re.findall(r"<th[^>]*colhead[^>]*>(.*?)</th>", block, flags=re.S)
    columns = tuple(LONGER_RUN if "Longer" in h else re.sub(r"<[^>]+>|\s", "", h)
                    for h in header[1:])
    counts: dict[Decimal, tuple[int, ...]] = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", block, flags=re.S):
        stub = re.search(r"<th[^>]*>\s*(\d+\.\d+)\s*</th>", row)
        if not stub:
            continue
        cells = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
                 for c in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
        counts[Decimal(stub.group(1))] = tuple(int(c) if c.isdigit() else 0 for c in cells)
    if not counts or not columns:
        return None
    return DotPlot(columns=columns, counts=counts)


def parse_projections(raw: str) -> Projections:
    text = _plain(raw)
    start = text.find("Table 1")
    table = text[start:] if start >= 0 else text
    columns = _columns(table)
    medians = {name: row for name in VARIABLES
               if (row := _row(table, name, columns)) is not None}
    if "fed_funds" not in medians:
        raise ProjectionsParseError("no federal funds rate row in Table 1")
    return Projections(released=_released(text), medians=medians, dots=_dot_plot(raw),
                       columns=columns)
