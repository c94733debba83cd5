"""Typed errors for bad user input.

Each carries a stable ``code`` and the values a reply needs; the command layer turns
them into a short reply in the chat's language (see ``bot.alerts.replies``). Nothing
here formats text for users, so the same error serves Telegram, Discord and the CLI.
"""

from __future__ import annotations

from typing import Any


class UserInputError(ValueError):
    """Base of every error that is the user's to fix (never a crash, never a stack trace)."""

    code = "invalid_input"

    def __init__(self, message: str = "", **params: Any) -> None:
        super().__init__(message or self.code)
        self.params = params


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
