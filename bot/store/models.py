"""Reading stored JSON back as a typed model, tolerantly.

A snapshot or a watcher's state written by an older version may not read as today's
model; that is logged once per read and treated as absent, never as a crash.
"""

from __future__ import annotations

import logging
from typing import TypeVar

from pydantic import BaseModel, ValidationError

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)


def read_model(raw: str | bytes | None, model: type[M], what: str) -> M | None:
    if not raw:
        return None
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        log.warning("%s unreadable as %s (%d errors): treated as absent", what,
                    model.__name__, exc.error_count())
        return None
