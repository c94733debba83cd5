"""FOMC members' names in Chinese, from a packaged table (Taiwan press usage)."""

from __future__ import annotations

import csv
import functools
from importlib import resources
from typing import NamedTuple


class Member(NamedTuple):
    zh: str
    role: str  # governor | president
    bank_en: str = ""  # a president's Reserve Bank ("Richmond")
    bank_zh: str = ""  # 里奇蒙


@functools.cache
def members() -> dict[str, Member]:
    text = resources.files("bot.data").joinpath("fomc_members.csv").read_text("utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {row["name"]: Member(row["zh"], row["role"], row.get("bank_en") or "",
                                row.get("bank_zh") or "") for row in rows}


def member(name: str) -> Member | None:
    """The member as the statement names them ("Christopher J. Waller"), if known."""
    return members().get(name)
