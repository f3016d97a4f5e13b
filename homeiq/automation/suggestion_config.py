"""Where a stored suggestion keeps its automation config and status, whatever its version.

The suggestions table is being widened (an ``automation`` column, status enums); this one
adapter reads both shapes so the deploy code does not care.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from storage.metadata import Suggestion


def status_of(suggestion: Suggestion) -> str:
    """Return the suggestion's status as plain text (enum value or string)."""
    status: Any = suggestion.status
    return str(getattr(status, "value", status))


def config_of(suggestion: Suggestion) -> dict[str, Any] | None:
    """Return a copy of the suggestion's HA automation config, or None when it has none."""
    for candidate in (
        getattr(suggestion, "automation", None),
        suggestion.detail.get("automation"),
        suggestion.detail.get("config"),
    ):
        if isinstance(candidate, dict) and candidate:
            return copy.deepcopy(candidate)
    try:
        parsed = json.loads(suggestion.body)
    except ValueError:
        return None
    return (
        parsed
        if isinstance(parsed, dict) and ("triggers" in parsed or "trigger" in parsed)
        else None
    )
