"""How much of "what changed" a Chinese reader gets in Chinese, on statements the
phrasebook was not written from.

Usage: python bench/statement_zh.py [--corpus PATH] [--held-out 2021,2023] [--show]
Each statement is diffed against the one before it. The held-out years (default 2021 and
2023: never read while writing ``bot/topics/fomc/phrasebook.py``) are reported apart from
the years it was written from. Figures: changed sentences translated (each side of a
rewording counted), the lines an alert shows (its top three ranked changes) said in full
Chinese, and the time to translate. Untranslated sentences are said as their kind and
what happened to them ("通膨：措辭修改。"), never quoted in English: ``--show`` prints both
kinds for reading. Figures last, as name=value lines.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.domain.chats import Language
from bot.render.formatting import Formatter
from bot.topics.fomc.changes import ranked, say
from bot.topics.fomc.phrasebook import translate
from bot.topics.fomc.statement import diff_statements, statement_sentences

DEFAULT = Path(__file__).resolve().parents[2] / "shared/corpus/fomc_statements.jsonl"
SHOWN = 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT)
    parser.add_argument("--held-out", default="2021,2023")
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args()
    held = set(args.held_out.split(","))
    rows = sorted((json.loads(line) for line in args.corpus.read_text().splitlines()
                   if line.strip()), key=lambda r: r["date"])
    zh = Formatter(Language.ZH_HANT)
    figures = {name: [0, 0, 0, 0] for name in ("held_out", "built_from")}
    spent, calls = 0.0, 0
    for before, after in itertools.pairwise(rows):
        group = figures["held_out" if after["date"][:4] in held else "built_from"]
        changes, _ = diff_statements(list(statement_sentences(before["text"])),
                                     list(statement_sentences(after["text"])))
        for change in changes:
            for sentence in (change.before, change.after):
                if sentence is None:
                    continue
                started = time.perf_counter()
                said = translate(sentence)
                spent += time.perf_counter() - started
                calls += 1
                group[0] += said is not None
                group[1] += 1
                if args.show and after["date"][:4] in held:
                    print(f"{'✓' if said else '✗'} {sentence}\n    {said or ''}")
        for item in ranked(tuple(changes))[:SHOWN]:
            line = say(item, zh)
            full = not line.endswith(("措辭修改。", "新增一句。", "刪除一句。"))
            group[2] += full
            group[3] += 1
    for name, (done, total, lines_full, lines) in figures.items():
        print(f"{name}_sentences_translated={done}/{total} ({done / max(total, 1):.0%})")
        print(f"{name}_alert_lines_in_full_chinese={lines_full}/{lines} "
              f"({lines_full / max(lines, 1):.0%})")
    print(f"translate_us_per_sentence={spent / max(calls, 1) * 1e6:.1f}")


if __name__ == "__main__":
    main()
