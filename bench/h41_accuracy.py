"""H.4.1 parser and regime accuracy over ../shared/corpus/h41/.

Checks, week by week:
- the FRED weekly file, read by the parser, against the facts table (levels, week-over-week
  changes, 13-week securities change) for every week the table covers;
- the DDP SDMX-ML files against the FRED file for the weeks both cover;
- the native FRED WRESBAL download against the merged file;
- the rows of the real release-page excerpts (HTML 2025, ASCII 2018, 2008 layout) against
  FRED's Wednesday levels of their week;
- the regime (the program the FOMC announced, ``bot.domain.programs``) over 2002-2026: QT
  for every week from August 2022 through November 2025, QE from April 2020 through 2021,
  and each facts-table week's regime against the facts table's own policy label;
- the securities-trend cross-check: weeks where it contradicts the program (QE vs QT).
Usage: python bench/h41_accuracy.py [--corpus DIR] [--show-errors]
Prints its figures last as name=value lines.
"""

from __future__ import annotations

import argparse
import csv
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import itertools

from bot.domain.programs import ProgramHistory
from bot.topics.h41.parse import parse_h41_file, split_row
from bot.topics.h41.regime import change_over, contradicts, regimes_of, trend_regimes

DEFAULT = Path(__file__).resolve().parents[2] / "shared/corpus/h41"
FACT_FIELDS = {
    "total_assets_musd": "total_assets", "treasury_held_outright_musd": "treasuries",
    "mbs_held_outright_musd": "mbs", "securities_held_outright_musd": "securities",
    "reserve_balances_week_avg_musd": "reserves",
}
WOW_FIELDS = {
    "total_assets_wow_musd": "total_assets", "treasury_wow_musd": "treasuries",
    "mbs_wow_musd": "mbs", "securities_wow_musd": "securities",
    "reserve_balances_wow_musd": "reserves",
}
EXCERPT_ROWS = {  # excerpt section → (FRED week, {label: FRED field})
    "1. Modern HTML page": (date(2025, 10, 29), {"securities held outright": "securities",
                                                  "u.s. treasury securities": "treasuries"}),
    "2. ASCII release": (date(2018, 7, 25), {"securities held outright": "securities",
                                             "u.s. treasury securities": "treasuries",
                                             "mortgage-backed securities": "mbs"}),
    "3. 2008 layout": (date(2008, 11, 12), {"securities held outright": "securities",
                                            "u.s. treasury": "treasuries"}),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT)
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args()
    corpus = args.corpus
    errors: list[str] = []
    checked = matched = 0

    def compare(what: str, got: object, want: object) -> None:
        nonlocal checked, matched
        checked += 1
        if got == want:
            matched += 1
        else:
            errors.append(f"{what}: parsed {got} != {want}")

    weeks = parse_h41_file((corpus / "fred/h41_weekly_fred_2002_2026.csv").read_text())
    by_week = {w.week_ending: w for w in weeks}
    ordered = [w.week_ending for w in weeks]

    # 1. facts table
    facts = list(csv.DictReader((corpus / "h41_weekly_facts_2022_2025.csv").open()))
    for row in facts:
        day = date.fromisoformat(row["week_ending_wednesday"])
        week = by_week.get(day)
        if week is None:
            errors.append(f"{day}: week missing from the parsed file")
            checked += 1
            continue
        previous = by_week[ordered[ordered.index(day) - 1]]
        for column, field in FACT_FIELDS.items():
            compare(f"{day} {field}", getattr(week, field), int(row[column]))
        for column, field in WOW_FIELDS.items():
            compare(f"{day} {field} w/w", getattr(week, field) - getattr(previous, field),
                    int(row[column]))
        index = ordered.index(day)
        securities = [by_week[d].securities for d in ordered[: index + 1]]
        compare(f"{day} securities 13w", change_over(securities, 13),
                int(row["securities_13w_change_musd"]))
    facts_weeks = len(facts)

    # 2. DDP files. Total assets: FRED's WALCL is "less eliminations from consolidation";
    # the DDP series of 2006 and 2010 is before eliminations (they differ by 0.01-0.3 %),
    # so total assets is compared only where the two definitions coincide (2020 file).
    ddp_weeks = 0
    definition_gaps = 0
    for path in sorted((corpus / "ddp").glob("*.xml")):
        for week in parse_h41_file(path.read_text()):
            fred = by_week.get(week.week_ending)
            if fred is None:
                continue
            ddp_weeks += 1
            for field in ("total_assets", "securities", "treasuries", "mbs"):
                want = getattr(fred, field)
                got = getattr(week, field)
                if field == "mbs" and want == 0 and got in (0, None):
                    got = 0
                if field == "total_assets" and week.week_ending.year < 2020:
                    definition_gaps += got != want
                    continue
                compare(f"{path.name} {week.week_ending} {field}", got, want)
    ddp_2020 = {w.week_ending: w for w in parse_h41_file(
        (corpus / "ddp/FRB_H41_2020.xml").read_text())}
    compare("DDP 2020-05-27 reserves (Wednesday)",
            ddp_2020[date(2020, 5, 27)].reserves_wednesday, 3_317_688)

    # 3. native WRESBAL download
    for week in parse_h41_file((corpus / "fred/WRESBAL_fredgraph_native_2021_2026.csv")
                               .read_text()):
        if week.week_ending in by_week:
            compare(f"WRESBAL {week.week_ending}", week.reserves,
                    by_week[week.week_ending].reserves)

    # 4. release-page excerpts
    text = (corpus / "release_page_excerpts.md").read_text()
    for heading, (day, labels) in EXCERPT_ROWS.items():
        section = text[text.index(heading):]
        block = section[section.index("```") + 3:]
        block = block[: block.index("```")]
        rows = {}
        for line in block.splitlines():
            parsed = split_row(line)
            if parsed and parsed[0] not in rows:
                rows[parsed[0]] = parsed[1]
        for label, field in labels.items():
            values = rows.get(label)
            compare(f"excerpt {heading} {label}", values[-1] if values else None,
                    getattr(by_week[day], field))

    # 5. regimes
    regimes = dict(zip(ordered, regimes_of(weeks), strict=True))
    qt_window = [d for d in ordered if date(2022, 8, 1) <= d <= date(2025, 11, 30)]
    qe_window = [d for d in ordered if date(2020, 4, 1) <= d <= date(2021, 12, 31)]
    qt_ok = sum(regimes[d] == "QT" for d in qt_window)
    qe_ok = sum(regimes[d] == "QE" for d in qe_window)
    flips = sum(1 for window in (qt_window, qe_window)
                for a, b in itertools.pairwise(window) if regimes[a] != regimes[b])
    spans: list[list[object]] = []
    for day in ordered:
        if not spans or spans[-1][0] != regimes[day]:
            spans.append([regimes[day], day, day])
        else:
            spans[-1][2] = day
    total_flips = len(spans) - 1
    facts_rows = list(csv.DictReader((corpus / "h41_weekly_facts_2022_2025.csv").open()))
    label_ok = 0
    for row in facts_rows:
        expected = _regime_of_label(row["policy_regime"])
        got = regimes.get(date.fromisoformat(row["week_ending_wednesday"]))
        label_ok += got == expected
        if got != expected:
            errors.append(f"regime {row['week_ending_wednesday']}: {got} != {expected} "
                          f"({row['policy_regime'][:40]})")
    trend = dict(zip(ordered, trend_regimes(weeks), strict=True))
    programs = ProgramHistory.packaged()
    disagreements = [d for d in ordered
                     if contradicts(regimes[d], trend[d], programs.since(d), d)]
    if args.show_errors:
        print("trend contradicts program:", ", ".join(str(d) for d in disagreements))
    short = [s for s in spans if (s[2] - s[1]).days < 21]  # type: ignore[operator]

    if args.show_errors:
        for line in errors:
            print(line)
    print("regimes since 2015: " + "; ".join(
        f"{r} {a}..{b}" for r, a, b in spans if b >= date(2015, 1, 1)))  # type: ignore[operator]
    print(f"{facts_weeks} facts weeks, {ddp_weeks} DDP weeks, {len(errors)} mismatches; "
          f"{definition_gaps} pre-2020 DDP total-assets values are before eliminations "
          f"(FRED WALCL after), not compared")
    print(f"figures_checked={checked}")
    print(f"figures_match={matched / checked:.4f}")
    print(f"qt_weeks_aug2022_nov2025={qt_ok}/{len(qt_window)}")
    print(f"qe_weeks_apr2020_dec2021={qe_ok}/{len(qe_window)}")
    print(f"flips_inside_windows={flips}")
    print(f"regime_changes_2002_2026={total_flips}")
    print(f"facts_regime_labels_match={label_ok}/{len(facts_rows)}")
    print(f"trend_contradicts_program_weeks={len(disagreements)}")
    print(f"regimes_shorter_than_3_weeks={len(short)}")


def _regime_of_label(label: str) -> str:
    """The facts table's policy label (e.g. "QT slowed: ...") as a regime."""
    lowered = label.lower()
    if lowered.startswith("reserve management"):
        return "RMP"
    if lowered.startswith("qt ended") or lowered.startswith("reinvestment"):
        return "flat"
    if lowered.startswith("qt"):
        return "QT"
    return "QE"  # "QE tapering: net purchases being reduced"


if __name__ == "__main__":
    main()
