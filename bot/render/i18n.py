"""Gettext catalogs for the alert and reply texts, managed with Babel.

Source strings are English, in the code, wrapped in ``_()``/``ngettext()``. The catalogs
live as ``.po`` files under ``bot/render/locale/<locale>/LC_MESSAGES/messages.po`` and
are compiled in memory when first used (no build step, nothing generated to commit).
Maintainers refresh them with ``python -m bot.render.i18n extract`` (the writing rules
are in bot/render/locale/STYLE.md).
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

from bot.domain.chats import Language

DOMAIN = "messages"
CATALOG_LOCALES = {language: language.locale.catalog for language in Language.BOTH.singles}
BABEL_LOCALES = {language: language.locale.babel for language in Language.BOTH.singles}
LOCALE_DIR = Path(__file__).with_name("locale")


def _po_path(locale: str) -> resources.abc.Traversable:
    folder = resources.files("bot.render").joinpath("locale", locale, "LC_MESSAGES")
    return folder.joinpath(f"{DOMAIN}.po")


@cache
def translations(language: Language) -> gettext.NullTranslations:
    """The compiled catalog of one single language (never ``both``).

    A ``messages.mo`` next to the ``.po`` (written by ``compile``, e.g. in the container
    build) is used when it is at least as new; otherwise the ``.po`` is compiled in memory.
    """
    if language is Language.BOTH:
        raise ValueError("render 'both' as its two languages, one after the other")
    po = Path(str(_po_path(CATALOG_LOCALES[language])))
    if not po.is_file():
        return gettext.NullTranslations()
    mo = po.with_suffix(".mo")
    if mo.is_file() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    return gettext.GNUTranslations(io.BytesIO(_compile(po, CATALOG_LOCALES[language])))


def _compile(po: Path, locale: str) -> bytes:
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=locale, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def compile_catalogs() -> list[Path]:
    """Write ``messages.mo`` beside every ``.po`` (optional: loading compiles on the fly)."""
    written = []
    for locale in CATALOG_LOCALES.values():
        po = LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
        mo = po.with_suffix(".mo")
        mo.write_bytes(_compile(po, locale))
        written.append(mo)
    return written


def NP_(context: str, message: str) -> str:
    """Mark a message with a context (``pgettext``) for extraction."""
    return message


def N_(message: str) -> str:
    """Mark a string for extraction where it is translated later (tables of msgids)."""
    return message


def _run_babel(*args: str) -> None:
    from babel.messages.frontend import CommandLineInterface

    CommandLineInterface().run(["pybabel", *args])


def main(argv: list[str] | None = None) -> None:
    """``python -m bot.render.i18n extract|compile``.

    ``extract`` refreshes messages.pot from the code and merges it into the .po files;
    ``compile`` writes the .mo files (the container build does this).
    """
    args = argv if argv is not None else sys.argv[1:]
    if args[:1] == ["compile"]:
        for path in compile_catalogs():
            print(f"compiled {path}")
        return
    if args[:1] != ["extract"]:
        print("usage: python -m bot.render.i18n extract|compile")
        raise SystemExit(2)
    package = Path(__file__).resolve().parents[1]
    pot = LOCALE_DIR / f"{DOMAIN}.pot"
    _run_babel("extract", "--no-location", "--sort-output", "--project", "fedalert",
               "-k", "_", "-k", "gettext", "-k", "ngettext:1,2", "-k", "N_",
               "-k", "pgettext:1c,2", "-k", "NP_:1c,2", "-k", "locale_str",
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
