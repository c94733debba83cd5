"""Gettext catalogs for the alert and reply texts, managed with Babel.

Source strings are English, in the code, wrapped in ``_()``/``ngettext()``. The catalogs
live as ``.po`` files under ``bot/alerts/locale/<locale>/LC_MESSAGES/messages.po`` and
are compiled in memory when first used (no build step, nothing generated to commit).
Maintainers refresh them with ``python -m bot.alerts.i18n extract`` (see docs/i18n.md).
"""

from __future__ import annotations

import gettext
import io
import sys
from functools import cache
from importlib import resources
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.model import Language

DOMAIN = "messages"
CATALOG_LOCALES = {Language.ZH_HANT: "zh_Hant", Language.EN: "en"}
BABEL_LOCALES = {Language.ZH_HANT: "zh_Hant_TW", Language.EN: "en_US"}
LOCALE_DIR = Path(__file__).with_name("locale")


def _po_path(locale: str) -> resources.abc.Traversable:
    folder = resources.files("bot.alerts").joinpath("locale", locale, "LC_MESSAGES")
    return folder.joinpath(f"{DOMAIN}.po")


@cache
def translations(language: Language) -> gettext.NullTranslations:
    """The compiled catalog of one single language (never ``both``)."""
    if language is Language.BOTH:
        raise ValueError("render 'both' as its two languages, one after the other")
    path = _po_path(CATALOG_LOCALES[language])
    if not path.is_file():
        return gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=CATALOG_LOCALES[language], domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def N_(message: str) -> str:
    """Mark a string for extraction where it is translated later (tables of msgids)."""
    return message


def _run_babel(*args: str) -> None:
    from babel.messages.frontend import CommandLineInterface

    CommandLineInterface().run(["pybabel", *args])


def main(argv: list[str] | None = None) -> None:
    """``python -m bot.alerts.i18n extract``: refresh messages.pot, merge it into the .po files."""
    args = argv if argv is not None else sys.argv[1:]
    if args[:1] != ["extract"]:
        print("usage: python -m bot.alerts.i18n extract")
        raise SystemExit(2)
    package = Path(__file__).resolve().parents[1]
    pot = LOCALE_DIR / f"{DOMAIN}.pot"
    _run_babel("extract", "--no-location", "--sort-output", "--project", "fedalert",
               "-k", "_", "-k", "gettext", "-k", "ngettext:1,2", "-k", "N_",
               "-o", str(pot), str(package))
    for locale in CATALOG_LOCALES.values():
        po = LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
        if po.exists():
            _run_babel("update", "--no-fuzzy-matching", "--ignore-obsolete", "-i", str(pot),
                       "-o", str(po), "-l", locale)
        else:
            _run_babel("init", "-i", str(pot), "-o", str(po), "-l", locale)


if __name__ == "__main__":
    main()
