"""Catalogs and locale formatting."""

import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.domain.chats import Language
from bot.render.formatting import Formatter

ROOT = Path(__file__).resolve().parents[1]
ZH_PO = ROOT / "bot/render/locale/zh_Hant/LC_MESSAGES/messages.po"
ZH = Formatter(Language.ZH_HANT)
EN = Formatter(Language.EN)


def test_every_message_in_the_code_has_a_chinese_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "--no-location",
         "-k", "_", "-k", "gettext", "-k", "ngettext:1,2", "-k", "N_",
         "-k", "pgettext:1c,2", "-k", "NP_:1c,2", "-k", "locale_str", "-o", str(pot),
         str(ROOT / "bot")], check=True, capture_output=True)
    with pot.open("rb") as handle:
        template = read_po(handle)
    with ZH_PO.open("rb") as handle:
        catalog = read_po(handle, locale="zh_Hant")
    missing, fuzzy = [], []
    for message in template:
        if not message.id:
            continue
        translated = catalog.get(message.id, context=message.context)
        strings = translated.string if translated else None
        if not translated or not (all(strings) if isinstance(strings, tuple) else strings):
            missing.append(message.id)
        elif translated.fuzzy:
            fuzzy.append(message.id)
    assert not missing, f"untranslated (run python -m bot.render.i18n extract): {missing}"
    assert not fuzzy, f"fuzzy translations to review: {fuzzy}"


def test_placeholders_survive_translation():
    import re

    with ZH_PO.open("rb") as handle:
        catalog = read_po(handle, locale="zh_Hant")
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(re.findall(r"{(\w+)}", ids[0]))
        for text in strings:
            assert set(re.findall(r"{(\w+)}", text)) == wanted, message.id


@pytest.mark.parametrize("value,zh,en", [
    (80_000, "8 萬美元", "$80,000"),
    (100_000, "10 萬美元", "$100,000"),
    (85_500, "85,500 美元", "$85,500"),
    (95_000, "9.5 萬美元", "$95,000"),
    (79_842, "79,842 美元", "$79,842"),
])
def test_price_levels(value, zh, en):
    assert ZH.usd_level(Decimal(value)) == zh
    assert EN.usd_level(Decimal(value)) == en


@pytest.mark.parametrize("millions,zh,en", [
    (95_000, "950 億美元", "$95 billion"),
    (6_712_345, "6.71 兆美元", "$6.71 trillion"),
    (7_500_000, "7.5 兆美元", "$7.5 trillion"),
    (12_500, "125 億美元", "$12.5 billion"),
    (297_017, "2,970 億美元", "$297 billion"),
    (8_965_487, "8.97 兆美元", "$8.97 trillion"),
])
def test_large_amounts_use_chinese_units(millions, zh, en):
    assert ZH.usd_millions(millions) == zh
    assert EN.usd_millions(millions) == en


def test_signed_changes_and_percent():
    assert ZH.signed_usd_millions(-12_500) == "−125 億美元"
    assert EN.signed_usd_millions(297_017) == "+$297 billion"
    assert ZH.percent(0.613) == "61.3%"
    assert EN.points(0.26) == "+26.0"


def test_bps_in_quarter_points():
    assert ZH.bps(-25) == "1 碼（25 個基點）"
    assert ZH.bps(75, short=True) == "3 碼"
    assert ZH.bps(10) == "10 個基點"
    assert EN.bps(-50) == "50 bp"


def test_times_in_eastern_and_the_chats_zone():
    statement = datetime(2025, 3, 19, 18, 0, tzinfo=UTC)
    assert ZH.moment(statement, "Asia/Taipei") == (
        "美東時間 3 月 19 日下午 2:00（台灣時間 3 月 20 日凌晨 2:00）")
    assert EN.moment(statement, "Asia/Hong_Kong") == (
        "Mar 19, 2:00 PM ET (Mar 20, 2:00 AM Hong Kong time)")
    assert EN.moment(statement, "America/New_York") == "Mar 19, 2:00 PM ET"
    # winter: 2:00 p.m. EST is 19:00 UTC, still 3:00 a.m. in Taipei
    winter = datetime(2025, 12, 10, 19, 0, tzinfo=UTC)
    assert ZH.moment(winter, "Asia/Taipei").endswith("（台灣時間 12 月 11 日凌晨 3:00）")


def test_dates():
    assert ZH.date(date(2025, 5, 7)) == "2025 年 5 月 7 日"
    assert ZH.date(date(2025, 5, 7), year=False) == "5 月 7 日"
    assert EN.date(date(2025, 5, 7)) == "May 7, 2025"


def test_every_language_is_its_locale_row_and_catalog():
    """A language is one row of ``LOCALES`` (with its enum member beside it) and its
    catalog: the rest of the code reads the languages from there."""
    from bot.domain.chats import LOCALES, Language
    from bot.render.i18n import CATALOG_LOCALES, translations

    assert [single.value for single in Language.BOTH.singles] == list(LOCALES)
    for single in Language.BOTH.singles:
        assert CATALOG_LOCALES[single] == single.locale.catalog
        assert translations(single).gettext("List the commands")
        assert Language.parse(single.locale.label) is single
    assert Language.from_client("ja") is Language.EN  # no catalog: the fallback
