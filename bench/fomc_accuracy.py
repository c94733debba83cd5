"""Parser accuracy over the FOMC statement corpus (../shared/corpus/fomc_statements.jsonl).

Usage: python bench/fomc_accuracy.py [--corpus PATH] [--show-errors]
The previous range and the previous text given to the parser come from the preceding
statement in date order (as a caller that keeps the last statement would pass them).
Prints its figures last as name=value lines.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.topics.fomc.statement import (
    StatementParseError,
    TargetRangeHistory,
    parse_statement,
)

DEFAULT = Path(__file__).resolve().parents[2] / "shared/corpus/fomc_statements.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT)
    parser.add_argument("--show-errors", action="store_true")
    parser.add_argument("--no-history", action="store_true",
                        help="size moves only from the preceding statement (no built-in history)")
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.corpus.read_text().splitlines() if line.strip()]
    rows.sort(key=lambda r: r["date"])
    history = None if args.no_history else TargetRangeHistory.packaged()
    counts = {"range": 0, "decision": 0, "change_bps": 0, "dissents": 0, "dissenters": 0,
              "bs_agree": 0}
    bs_tp = bs_fp = bs_fn = 0
    errors: list[str] = []
    previous = None
    started = time.perf_counter()
    for row in rows:
        prev_range = ((Decimal(str(previous["target_low"])), Decimal(str(previous["target_high"])))
                      if previous else None)
        try:
            parsed = parse_statement(row["text"], previous_range=prev_range,
                                     previous_text=previous["text"] if previous else None,
                                     history=history,
                                     statement_date=_date(row["date"]))
        except StatementParseError as exc:
            errors.append(f"{row['date']}: parse error {exc}")
            previous = row
            continue
        got_range = (float(parsed.target_low), float(parsed.target_high))
        checks = {
            "range": got_range == (row["target_low"], row["target_high"]),
            "decision": parsed.decision == row["decision"],
            "change_bps": parsed.change_bps == row["change_bps"],
            "dissents": parsed.dissents == row["dissents"],
            "dissenters": [d.name for d in parsed.dissenters] == row["dissenters"],
        }
        truth_bs = bool(row.get("balance_sheet_event"))
        got_bs = bool(parsed.balance_sheet)
        checks["bs_agree"] = truth_bs == got_bs
        bs_tp += truth_bs and got_bs
        bs_fp += got_bs and not truth_bs
        bs_fn += truth_bs and not got_bs
        for name, ok in checks.items():
            counts[name] += ok
            if not ok:
                detail = {
                    "range": f"{got_range} != {(row['target_low'], row['target_high'])}",
                    "decision": f"{parsed.decision} != {row['decision']}",
                    "change_bps": f"{parsed.change_bps} != {row['change_bps']}",
                    "dissents": f"{parsed.dissents} != {row['dissents']}",
                    "dissenters": f"{[d.name for d in parsed.dissenters]} != {row['dissenters']}",
                    "bs_agree": f"{[a.kind for a in parsed.balance_sheet]} vs "
                                f"{row.get('balance_sheet_event')}",
                }[name]
                errors.append(f"{row['date']} {name}: {detail}")
        previous = row
    elapsed = time.perf_counter() - started
    n = len(rows)
    if args.show_errors:
        for line in errors:
            print(line)
    print(f"{n} statements parsed in {elapsed:.2f} s; balance-sheet actions: "
          f"{bs_tp} found, {bs_fp} extra, {bs_fn} missed")
    for name in ("range", "decision", "change_bps", "dissents", "dissenters"):
        print(f"{name}_accuracy={counts[name] / n:.4f}")
    print(f"balance_sheet_agreement={counts['bs_agree'] / n:.4f}")
    print(f"statements={n}")


def _date(text: str):
    from datetime import date

    return date.fromisoformat(text)


if __name__ == "__main__":
    main()
