"""The topic packages, by name: adding a topic is its folder (``bot/topics/<name>/``) and
its name here.

Light on purpose: the command line reads each topic's own settings section from
``bot/topics/<name>/settings.py`` (``SECTION = ("cpi", CpiSettings)``: ``[cpi]`` in the
settings file, ``FEDALERT_CPI__…`` in the environment) without importing the topics'
watchers and renderers, so ``fedalert health`` stays fast.
"""

from __future__ import annotations

import importlib

from pydantic import BaseModel

TOPIC_PACKAGES: tuple[str, ...] = ("fomc", "h41", "odds", "btc", "macro")


def settings_sections(packages: tuple[str, ...] = TOPIC_PACKAGES) -> dict[str, type[BaseModel]]:
    """The settings sections the topic packages declare (a topic may declare none)."""
    sections: dict[str, type[BaseModel]] = {}
    for name in packages:
        module_name = f"bot.topics.{name}.settings"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        section, model = module.SECTION
        sections[section] = model
    return sections
