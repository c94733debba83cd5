"""Golden files: every event kind in both languages, as plain text and Telegram HTML.

Every golden comes from real input through the real parsers (tests/samples.py; the BTC
ones from the demo's illustrative prices through the live evaluator, and they say so);
tests/golden/README.md says where each comes from. The files are reviewed by eye;
regenerate them after a wording change with
``FEDALERT_UPDATE_GOLDEN=1 pytest tests/test_render.py`` and read the diff.
"""

import os
import re
from pathlib import Path

import pytest

from bot.domain.chats import Language
from bot.platforms.telegram.markup import to_html
from bot.topics.catalog import Catalog
from tests.helpers import run_cli
from tests.samples import samples

GOLDEN = Path(__file__).parent / "golden"
render_message = Catalog().renderers.message
UPDATE = os.environ.get("FEDALERT_UPDATE_GOLDEN") == "1"
SAMPLES = samples()
MAINLAND_TERMS = ("美聯儲", "加息", "減息", "减息", "美联储", "比特币", "資產負債表顯示")


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE or not path.exists():
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"golden file {name} was missing and has been written; review it")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


@pytest.mark.parametrize("name", sorted(SAMPLES))
@pytest.mark.parametrize("language,zone", [(Language.ZH_HANT, "Asia/Taipei"),
                                           (Language.EN, "America/New_York")])
def test_golden_text(name, language, zone):
    message = render_message(SAMPLES[name], language, zone)
    check_golden(f"{name}.{language.value}.txt", message.to_text() + "\n")


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_golden_html_both(name):
    message = render_message(SAMPLES[name], Language.BOTH, "Asia/Hong_Kong")
    check_golden(f"{name}.both.html", to_html(message) + "\n")


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_chinese_text_is_taiwan_usage(name):
    text = render_message(SAMPLES[name], Language.ZH_HANT, "Asia/Taipei").to_text()
    # quoted statement sentences stay in English, as the Fed wrote them, inside 「」
    assert "“" not in text and "”" not in text
    text = re.sub(r"「[^」]*」", "", text)
    for term in MAINLAND_TERMS:
        assert term not in text
    # no untranslated English sentence slipped into the Chinese block (names and URLs aside)
    english_words = re.findall(r"\b(?:the|and|with|from|rate|rates|week|price)\b", text)
    assert not english_words, english_words


async def test_btc_goldens_come_from_the_demo_prices(services, tmp_path):
    """The BTC alerts the demo itself sends: its scenario's (illustrative) exchange prices
    through the live evaluator, for its two chats' levels."""
    from bot.demo.replay import load_scenario, setup_chats
    from bot.topics.base import DemoContext
    from bot.topics.btc.demo import handle_demo_ticks

    scenario = load_scenario()
    await setup_chats(services, scenario["chats"])
    demo = DemoContext(services.topic, tmp_path)
    crossings = []
    for reading in scenario["readings"]:
        if reading["source"] == "btc_ticks":
            assert reading.get("illustrative")
            crossings += [p.event.model_copy(update={"illustrative": True})
                          for p in await handle_demo_ticks(reading, demo)]
    names = [f"btc_demo_{e.direction}_{int(e.level)}" for e in crossings]
    assert names == ["btc_demo_below_80000", "btc_demo_above_80000"]
    for name, event in zip(names, crossings, strict=True):
        for language, zone in ((Language.ZH_HANT, "Asia/Taipei"),
                               (Language.EN, "America/New_York")):
            text = render_message(event, language, zone).to_text()
            assert "Illustrative" in text or "示意" in text
            check_golden(f"{name}.{language.value}.txt", text + "\n")
        check_golden(f"{name}.both.html",
                     to_html(render_message(event, Language.BOTH, "Asia/Hong_Kong")) + "\n")


def test_html_escapes_everything():
    from bot.render.message import AlertMessage, Section

    message = AlertMessage("k", "info", (Section("en", "<b>&", ("a < b & c > d",),
                                                 link="https://x/?a=1&b=2", link_label="<x>"),))
    html = to_html(message)
    assert "<b>&lt;b&gt;&amp;</b>" in html
    assert "a &lt; b &amp; c &gt; d" in html
    assert 'href="https://x/?a=1&amp;b=2"' in html and "&lt;x&gt;" in html


@pytest.mark.parametrize(("args", "golden"), [
    (["fomc", "tests/fixtures/fomc/2025-09-17.txt", "--previous",
      "tests/fixtures/fomc/2025-07-30.txt", "--released", "2025-09-17T14:00-04:00", "--url",
      "https://www.federalreserve.gov/newsevents/pressreleases/monetary20250917a.htm"],
     "fomc_cut_2025_09_17"),
    (["h41", "tests/fixtures/h41/fred_2024_2025.csv", "--url",
      "https://www.federalreserve.gov/releases/h41/20250417/"], "h41_2025_04_16"),
])
def test_parse_render_prints_the_alert_as_sent(args, golden, monkeypatch):
    """`fedalert parse … --render` prints exactly what a chat would get."""
    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    for lang in ("en", "zh-Hant"):
        out = run_cli("parse", *args, "--render", "--lang", lang)
        assert out.returncode == 0, out.stderr
        assert out.stdout == (GOLDEN / f"{golden}.{lang}.txt").read_text("utf-8")
