"""Meeting day: the implementation note and the projections, parsed from real pages."""

import json
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from bot.topics.fomc.note import NoteParseError, parse_note
from bot.topics.fomc.projections import ProjectionsParseError, parse_projections

FIXTURES = Path(__file__).parent / "fixtures" / "meeting_day"
ROOT = Path(__file__).resolve().parents[1]


def read(name: str) -> str:
    return (FIXTURES / name).read_text("utf-8")


@pytest.mark.parametrize(("name", "expected"), [
    ("note_2026-09-16.html", {"iorb": 3.9, "on_rrp": 3.75, "primary_credit": 4.0,
                              "srf_min_bid": None, "srf_rate": 4.0, "effective": "2026-09-17",
                              "treasury_cap": None, "mbs_cap": None}),
    ("note_2017-09-20.pdf.txt", {"iorb": 1.25, "on_rrp": 1.0, "primary_credit": 1.75,
                                 "srf_min_bid": None, "srf_rate": None,
                                 "effective": "2017-09-21", "treasury_cap": 6.0,
                                 "mbs_cap": 4.0}),
    ("note_2025-01-29.pdf.txt", {"iorb": 4.4, "on_rrp": 4.25, "primary_credit": 4.5,
                                 "srf_min_bid": 4.5, "srf_rate": None,
                                 "effective": "2025-01-30", "treasury_cap": 25.0,
                                 "mbs_cap": 35.0}),
    ("minutes_policy_2022-05-04.html", {"on_rrp": 0.8, "srf_min_bid": 1.0,
                                        "effective": "2022-05-05", "treasury_cap": 30.0,
                                        "mbs_cap": 17.5}),
])
def test_implementation_note(name, expected):
    got = parse_note(read(name)).as_json()
    assert {key: got[key] for key in expected} == expected


def test_ioer_before_july_2021_is_labelled():
    assert parse_note(read("note_2017-09-20.pdf.txt")).iorb_label == "IOER"
    assert parse_note(read("note_2026-09-16.html")).iorb_label == "IORB"


def test_a_page_that_is_not_a_note_is_refused():
    with pytest.raises(NoteParseError):
        parse_note("<html><body><p>Page not found</p></body></html>")


def test_projections_pdf_text():
    sep = parse_projections(read("sep_2026-09-16.pdf.txt"))
    assert sep.released == date(2026, 9, 16)
    assert sep.as_json() == {
        "fed_funds": {"2026": 4.1, "2027": 4.1, "2028": 3.9, "2029": 3.6, "longer_run": 3.2},
        "core_pce": {"2026": 3.4, "2027": 2.5, "2028": 2.2, "2029": 2.0},
        "unemployment": {"2026": 4.1, "2027": 4.1, "2028": 4.1, "2029": 4.1,
                         "longer_run": 4.2},
        "gdp": {"2026": 2.3, "2027": 2.4, "2028": 2.2, "2029": 2.1, "longer_run": 2.0}}
    assert sep.medians["pce"]["2026"] == Decimal("3.7")


def test_projections_accessible_text_with_footnotes_on_their_own_lines():
    sep = parse_projections(read("sep_2026-06-17.txt"))
    assert sep.as_json()["fed_funds"] == {"2026": 3.8, "2027": 3.6, "2028": 3.4,
                                          "longer_run": 3.1}
    assert sep.as_json()["core_pce"] == {"2026": 3.3, "2027": 2.5, "2028": 2.1}


def test_dot_plot_counts_reproduce_the_medians():
    dots = parse_projections(read("sep_2026-09-16.pdf.txt") + read("sep_2026-09-16.figure2.html")
                             ).dots
    assert dots is not None and dots.columns[-1] == "longer_run"
    assert dots.counts[Decimal("4.375")] == (4, 8, 0, 0, 0)
    assert [sum(c[i] for c in dots.counts.values()) for i in range(5)] == [18, 18, 17, 17, 18]


def test_not_a_projection_table():
    with pytest.raises(ProjectionsParseError):
        parse_projections("<html><p>Minutes of the Federal Open Market Committee</p></html>")


@pytest.mark.parametrize(("kind", "name", "key", "value"), [
    ("note", "note_2026-09-16.html", "srf_rate", 4.0),
    ("sep", "sep_2026-09-16.pdf.txt", "fed_funds", {"2026": 4.1, "2027": 4.1, "2028": 3.9,
                                                    "2029": 3.6, "longer_run": 3.2}),
])
def test_parse_cli_json(kind, name, key, value):
    out = subprocess.run([sys.executable, "-m", "bot", "parse", kind, str(FIXTURES / name),
                          "--json"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)[key] == value
