"""Texts of the command replies that several commands share: errors, topic and language names."""

from __future__ import annotations

from bot.domain.chats import Language
from bot.domain.errors import UserInputError
from bot.render.formatting import Formatter


def language_name(f: Formatter, language: Language) -> str:
    return {
        Language.ZH_HANT: f._("Traditional Chinese"),
        Language.EN: f._("English"),
        Language.BOTH: f._("both (Chinese, then English)"),
    }[language]


ALERT_USAGE = "/alert above|below|cross PRICE [repeat]"


def error_text(f: Formatter, error: UserInputError) -> str:
    """A short reply for bad input, with the right form to use."""
    own = error.text(f)  # an error a topic defines says what it is itself
    if own:
        return own
    value = str(error.params.get("value") or error.params.get("language") or
                error.params.get("topic") or error.params.get("timezone") or "")
    code = error.code
    if code == "unknown_language":
        return f._("Unknown language “{value}”. Use /lang zh-Hant, /lang en or /lang both.").format(
            value=value)
    if code == "unknown_topic":
        choices = f._(", ").join(str(c) for c in error.params.get("choices") or ())
        return f._("Unknown topic “{value}”. Topics: {choices} (or all). "
                   "Example: /subscribe fomc").format(value=value, choices=choices)
    if code == "unknown_timezone":
        return f._("Unknown time zone “{value}”. Use a name like Asia/Taipei, Asia/Hong_Kong "
                   "or America/New_York. Example: /settings tz Asia/Taipei").format(value=value)
    if code == "invalid_amount":
        return f._("“{value}” is not a price. Examples: 80000, 80,000, 80k, 8萬, $80,000. "
                   "Usage: {usage}").format(value=value, usage=ALERT_USAGE)
    if code == "invalid_duration":
        return f._("“{value}” is not a duration. Use e.g. 12h, 7d or 2w.").format(value=value)
    if code == "invalid_liquidity_rule":
        return f._("“{value}” is not a liquidity alert. Examples: /liquidity rrp below 100b, "
                   "/liquidity tga above 1t, /liquidity net move 100b (lines: rrp, tga, "
                   "reserves, net).").format(value=value)
    if code == "invalid_brief_time":
        return f._("“{value}” is not a time for the brief. Use e.g. /brief 08:00, "
                   "/brief 08:00 changes (skip days with nothing new) or /brief off.").format(
            value=value)
    if code == "invalid_threshold":
        return f._("Usage: {usage}. Example: /alert below 80000").format(usage=ALERT_USAGE)
    if code == "too_many_thresholds":
        return f._("This chat already has {limit} price alerts, the most it can have. "
                   "Delete one first with /delalert ID (see /alerts).").format(
            limit=error.params.get("limit", "?"))
    if code == "threshold_not_found":
        return f._("There is no alert #{id} in this chat. See /alerts.").format(
            id=error.params.get("id", value))
    if code == "invalid_quiet_hours":
        return f._("Quiet hours look like 23:00-07:00, or off. "
                   "Example: /settings quiet 23:00-07:00")
    if code == "chat_not_registered":
        return f._("This chat is not set up yet: send /start first.")
    if code == "not_admin":
        return f._("Sorry, only the admins of this group can change its settings.")
    if code == "missing_argument":
        return f._("Something is missing. Usage: {usage}").format(
            usage=error.params.get("usage", ""))
    if code == "unknown_command":
        return f._("Unknown command “{value}”. See /help for the list.").format(value=value)
    if code == "invalid_id":
        return f._("“{value}” is not an alert number. Usage: /delalert ID (see /alerts).").format(
            value=value)
    return f._("That did not work: please check the command. See /help.")
