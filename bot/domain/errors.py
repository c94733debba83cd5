"""Typed errors for bad user input.

Each carries a stable ``code`` and the values a reply needs; the command layer turns
them into a short reply in the chat's language (``bot.commands.replies``), unless the
error words itself (``UserInputError.text``: a topic's own errors). The same error serves
Telegram, Discord and the CLI.
"""

from __future__ import annotations

from typing import Any, Protocol


class Translates(Protocol):
    """What an error's own text needs of a formatter: the catalog lookup."""

    def _(self, message: str) -> str: ...


class UserInputError(ValueError):
    """Base of every error that is the user's to fix (never a crash, never a stack trace).

    An error a topic defines in its own folder says what went wrong itself (``text``); the
    shared ones are worded in ``bot.commands.replies``."""

    code = "invalid_input"

    def __init__(self, message: str = "", **params: Any) -> None:
        super().__init__(message or self.code)
        self.params = params

    def text(self, f: Translates) -> str | None:
        """This error's reply in ``f``'s language, or None: the shared wording."""
        return None


class UnknownLanguage(UserInputError):
    code = "unknown_language"


class UnknownTopic(UserInputError):
    code = "unknown_topic"


class UnknownTimeZone(UserInputError):
    code = "unknown_timezone"


class InvalidAmount(UserInputError):
    code = "invalid_amount"


class InvalidThreshold(UserInputError):
    code = "invalid_threshold"


class InvalidDuration(UserInputError):
    code = "invalid_duration"


class InvalidLiquidityRule(UserInputError):
    code = "invalid_liquidity_rule"


class InvalidBriefTime(UserInputError):
    code = "invalid_brief_time"


class TooManyThresholds(UserInputError):
    code = "too_many_thresholds"


class ThresholdNotFound(UserInputError):
    code = "threshold_not_found"


class InvalidQuietHours(UserInputError):
    code = "invalid_quiet_hours"


class ChatNotRegistered(UserInputError):
    code = "chat_not_registered"


class NotAdmin(UserInputError):
    code = "not_admin"


class MissingArgument(UserInputError):
    code = "missing_argument"


class UnknownCommand(UserInputError):
    code = "unknown_command"


class InvalidId(UserInputError):
    code = "invalid_id"
