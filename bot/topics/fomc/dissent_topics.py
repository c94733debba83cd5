"""What a dissent was about, only as far as the statement's own words support it.

A dissenter who "opposed additional asset purchases" did not dissent on runoff, and one
who wanted the Committee "to maintain the current target range until core inflation has
reached 2 percent" at a meeting that held rates dissented on forward guidance, not in
favour of no change. Each rule below keys on words of the statement; a clause no rule
recognises is left without a reason ("other"), so an alert says less rather than guess.
"""

from __future__ import annotations

import re

from bot.topics.fomc.events import DissentTopic

_RULES: tuple[tuple[DissentTopic, re.Pattern[str]], ...] = (
    ("purchases_against", re.compile(
        r"oppos\w* (?:additional |further |the )?(?:asset |securities )?purchases|"
        r"risks of (?:additional )?(?:securities |asset )?purchases outweighed", re.I)),
    ("maturity_extension", re.compile(r"maturity extension", re.I)),
    ("runoff_keep_pace", re.compile(r"continue the current pace of (?:decline|reduction)", re.I)),
    ("runoff", re.compile(r"pace of (?:decline|reduction) (?:in|of) (?:its )?securities "
                          r"holdings|redemption cap|runoff", re.I)),
    ("purchases_keep", re.compile(r"changes in the purchase program are premature", re.I)),
    ("forward_guidance", re.compile(
        r"forward guidance|\bguidance\b|extended period|considerable time|time period|"
        r"describe economic conditions|maintain the current target range until|"
        r"\bindicate that it expects\b", re.I)),
    ("purchases_for", re.compile(r"(?:expand|increase)[^.;]{0,60}\bby purchasing\b", re.I)),
    ("accommodation_against", re.compile(r"did not support additional policy accommodation",
                                         re.I)),
    ("accommodation_for", re.compile(r"supported additional policy accommodation", re.I)),
    ("accommodation_concern", re.compile(r"(?:continued )?high level of monetary "
                                         r"accommodation", re.I)),
)


def dissent_topic(clause: str, rate_topic: str, preferred_bps: int | None,
                  decision: str) -> DissentTopic:
    """The topic of a dissent: ``rate`` when the member named a different rate move,
    else the first rule the clause's words match, else ``other``."""
    for topic, pattern in _RULES:
        if topic in ("purchases_against", "runoff_keep_pace", "maturity_extension") and \
                pattern.search(clause):
            return topic
    # "maintain the range" at a meeting that held is not a rate dissent (see the rules)
    if rate_topic == "rate" and preferred_bps is not None and \
            not (preferred_bps == 0 and decision == "hold"):
        return "rate"
    for topic, pattern in _RULES:
        if pattern.search(clause):
            return topic
    return "other"
