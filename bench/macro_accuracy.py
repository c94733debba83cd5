"""Macro-release parser accuracy over ../shared/corpus/macro/ (or a folder of the same shape).

Every row of ``macro_truth.csv`` names a release file (the ``source`` column, before
``<-``), a field, its period and the value the release states. Each file is parsed once
(``bot.topics.macro.parse.parse_macro_file``, as ``fedalert parse macro`` does); a row is
right when the parser gives that field for that period with the same value (numbers equal
to the stated decimals; NOT_PUBLISHED, NOT_COLLECTED and "less than 0.1 (…)" as said).
Also counted: figures the parser gives that the truth table contradicts (same field and
period, another value), which is what a user would see as a false alert line.
Usage: python bench/macro_accuracy.py [--corpus DIR] [--show-errors]
Prints its figures last as name=value lines.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from decimal import Decimal, InvalidOperation
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.topics.macro.parse import MacroParseError, MacroRelease, parse_macro_file

DEFAULT = Path(__file__).resolve().parents[2] / "shared/corpus/macro"


def same(expected: str, got: object) -> bool:
    try:
        return Decimal(expected) == Decimal(str(got))
    except InvalidOperation:
        return expected.strip() == str(got).strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT)
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args()
    truth = list(csv.DictReader((args.corpus / "macro_truth.csv").open(encoding="utf-8")))
    parsed: dict[str, list[MacroRelease]] = {}
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    false = 0
    for row in truth:
        source = row["source"].split(" <-")[0].strip()
        if source not in parsed:
            try:
                text = (args.corpus / source).read_text(encoding="utf-8")
                parsed[source] = parse_macro_file(text)
            except (OSError, MacroParseError) as exc:
                print(f"{source}: {exc}")
                parsed[source] = []
        kind = row["field"]
        total[kind] += 1
        got = [f.json_value() for release in parsed[source] for f in release.figures
               if f.field == row["field"] and f.period == row["period"]]
        if any(same(row["value"], value) for value in got):
            right[kind] += 1
        else:
            false += bool(got)
            if args.show_errors:
                print(f"MISS {source} {row['field']} {row['period']}: want {row['value']}, "
                      f"got {got}")
    for kind in sorted(total):
        print(f"{kind}: {right[kind]}/{total[kind]}")
    releases = sum(len(r) for r in parsed.values())
    # a release whose period no truth row of its file names: a misread date (a month named
    # for history taken as the period) shows here even when every truth row is right
    periods = {(row["source"].split(" <-")[0].strip(), row["period"].split("..")[-1])
               for row in truth}
    stray = [(source, r.kind, r.period) for source, found in parsed.items() for r in found
             if (source, r.period) not in periods]
    for source, kind, period in stray:
        print(f"unexpected period: {source} {kind} {period}")
    print(f"macro_files={len(parsed)}")
    print(f"macro_releases={releases}")
    print(f"macro_rows_right={sum(right.values())}/{sum(total.values())}")
    print(f"macro_rows_accuracy={sum(right.values()) / max(1, sum(total.values())):.4f}")
    print(f"macro_rows_contradicted={false}")
    print(f"macro_releases_unexpected_period={len(stray)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
