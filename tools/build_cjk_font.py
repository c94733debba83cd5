"""Rebuild the bundled CJK font subset from a full Noto Sans CJK TC (maintainers only).

The subset holds every character of the zh-Hant catalog plus ASCII and CJK punctuation,
so chart labels always have real glyphs. Run after adding Chinese texts (a test tells):

    apt-get install fonts-noto-cjk     # or any Noto Sans CJK .ttc/.otf
    python tools/build_cjk_font.py [/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc]
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po
from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "bot/render/locale/zh_Hant/LC_MESSAGES/messages.po"
OUT = ROOT / "bot/data/fonts/NotoSansCJKtc-fedalert-subset.otf"
DEFAULT_SOURCE = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
EXTRA = "0123456789%$+-–—−.,:;!?()[]/ ，。、；：！？（）「」『』％＋－＝・…～／"
FAMILY = "fedalert CJK subset"


def catalog_characters() -> set[str]:
    with PO.open("rb") as handle:
        catalog = read_po(handle, locale="zh_Hant")
    chars: set[str] = set()
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            chars.update(text or "")
    chars.update(chr(c) for c in range(0x20, 0x7F))
    chars.update(EXTRA)
    chars.update("萬億兆美元年月日週時分")
    return {c for c in chars if c.isprintable()}


def load_tc_face(source: str) -> TTFont:
    if source.endswith(".ttc"):
        for font in TTCollection(source).fonts:
            if font["name"].getDebugName(1) == "Noto Sans CJK TC":
                return font
        raise SystemExit("no 'Noto Sans CJK TC' face in the collection")
    return TTFont(source)


def main() -> None:
    source = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_SOURCE
    font = load_tc_face(source)
    chars = catalog_characters()
    options = subset.Options()
    options.name_IDs = ["*"]
    options.layout_features = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars])
    subsetter.subset(font)
    names = font["name"]
    for record in names.names:
        if record.nameID in (1, 4, 16):
            record.string = FAMILY
        elif record.nameID == 6:
            record.string = FAMILY.replace(" ", "")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    font.save(OUT)
    print(f"{OUT}: {len(chars)} characters, {OUT.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
