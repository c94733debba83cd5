"""Implementation-note and SEP parser accuracy over ../shared/corpus/fed_meeting_day/.

Every row of implementation_notes/truth.jsonl (notes as published, PDF text, minutes'
policy sections, re-published copies) and of sep/truth.jsonl that has a source text:
each field the parser gives is compared with the truth.
Usage: python bench/meeting_day_accuracy.py [--corpus DIR] [--show-errors]
Prints its figures last as name=value lines.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.topics.fomc.note import NoteParseError, parse_note
from bot.topics.fomc.projections import ProjectionsParseError, parse_projections

DEFAULT = Path(__file__).resolve().parents[2] / "shared/corpus/fed_meeting_day"
NOTE_FIELDS = ("iorb", "on_rrp", "primary_credit", "srf_min_bid", "srf_rate", "effective")
SEP_FILES = {"2026-09-16": "2026-09-16.pdf-text.pages1-2.txt",
             "2026-06-17": "2026-06-17.accessible-text.table1-excerpt.txt",
             "2024-12-18": "2024-12-18.FRAGMENT.third-party-test-fixture.py.txt"}
SEP_FIELDS = {"fed_funds": "fed_funds_median", "core_pce": "core_pce_median",
              "unemployment": "unemployment_median", "gdp": "gdp_median"}


def note_source(corpus: Path, row: dict[str, str]) -> Path:
    day, cited = row["date"], row["file"].split(" ")[0]
    if cited.startswith("minutes/"):
        return corpus / "minutes" / f"{day}.utf8-repaired.html"
    if "from_minutes" in cited:
        return corpus / "implementation_notes/from_minutes" / \
            f"{day}.policy-section.excerpt.utf8-repaired.html"
    return corpus / cited


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT)
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args()
    errors: list[str] = []
    started = time.perf_counter()
    notes = [json.loads(line) for line in
             (args.corpus / "implementation_notes/truth.jsonl").read_text().splitlines() if line]
    note_ok = note_total = 0
    for row in notes:
        raw = note_source(args.corpus, row).read_text("utf-8")
        try:
            got = parse_note(raw).as_json()
        except NoteParseError as exc:
            errors.append(f"note {row['date']}: {exc}")
            note_total += len(NOTE_FIELDS)
            continue
        for field in NOTE_FIELDS:
            note_total += 1
            if got[field] == row[field]:
                note_ok += 1
            else:
                errors.append(f"note {row['date']} {field}: {got[field]} != {row[field]}")
    seps = {json.loads(line)["date"]: json.loads(line) for line in
            (args.corpus / "sep/truth.jsonl").read_text().splitlines() if line}
    sep_ok = sep_total = 0
    for day, name in SEP_FILES.items():
        truth = seps[day]
        try:
            got = parse_projections((args.corpus / "sep" / name).read_text("utf-8")).as_json()
        except ProjectionsParseError as exc:
            errors.append(f"sep {day}: {exc}")
            continue
        for ours, theirs in SEP_FIELDS.items():
            if truth.get(theirs) is None:
                continue
            sep_total += 1
            if got.get(ours) == truth[theirs]:
                sep_ok += 1
            else:
                errors.append(f"sep {day} {ours}: {got.get(ours)} != {truth[theirs]}")
    seconds = time.perf_counter() - started
    if args.show_errors:
        for line in errors:
            print(line)
    print(f"{len(notes)} notes, {len(SEP_FILES)} projection tables parsed in {seconds:.2f} s")
    print(f"note_fields_match={note_ok}/{note_total}")
    print(f"sep_median_rows_match={sep_ok}/{sep_total}")


if __name__ == "__main__":
    main()
