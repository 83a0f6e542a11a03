"""The LAA stream's messages: parsing and validation (pure).

A message that is not valid JSON, misses a field, names an unknown indicator
or carries a non-numeric value is never dropped silently: the caller turns a
:class:`Rejection` into a dead letter with its reason.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date
from typing import Any

REQUIRED = ("result_id", "indicator_code", "period_end", "value")
MAX_MESSAGE_BYTES = 64_000


@dataclass(frozen=True)
class LaaResult:
    """A valid result from the LAA system."""

    result_id: str
    indicator_code: str
    period_end: date
    value: float
    breakdowns: dict[str, float] | None
    submitted_at: str | None
    source: str

    def to_data(self) -> dict[str, Any]:
        """The LaaResultReceived event data."""
        return {
            "result_id": self.result_id,
            "indicator_code": self.indicator_code,
            "period_end": self.period_end.isoformat(),
            "value": self.value,
            "breakdowns": self.breakdowns,
            "submitted_at": self.submitted_at,
            "source": self.source,
        }


@dataclass(frozen=True)
class Rejection:
    """Why a message could not be accepted, with what can be kept of it."""

    reason: str
    result_id: str | None
    payload: str


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    v = float(value)
    return v if math.isfinite(v) and abs(v) <= 1e15 else None


def _text(value: Any, limit: int) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= limit else None


def parse(raw: bytes | str | dict[str, Any]) -> LaaResult | Rejection:
    """A valid :class:`LaaResult`, or a :class:`Rejection` saying why not."""
    if isinstance(raw, dict):
        message: Any = raw
        payload = json.dumps(raw, default=str)[:MAX_MESSAGE_BYTES]
    else:
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        payload = text[:MAX_MESSAGE_BYTES]
        if len(text) > MAX_MESSAGE_BYTES:
            return Rejection("message larger than 64 kB", None, payload)
        try:
            message = json.loads(text)
        except ValueError:
            return Rejection("not valid JSON", None, payload)
    if not isinstance(message, dict):
        return Rejection("message is not a JSON object", None, payload)
    result_id = _text(message.get("result_id"), 200)
    for name in REQUIRED:
        if message.get(name) is None:
            return Rejection(f"missing field {name}", result_id, payload)
    if result_id is None:
        return Rejection(
            "result_id must be a string of 1-200 characters", None, payload
        )
    code = _text(message.get("indicator_code"), 32)
    if code is None:
        return Rejection(
            "indicator_code must be a code of 1-32 characters", result_id, payload
        )
    value = _number(message.get("value"))
    if value is None:
        return Rejection("value is not a finite number", result_id, payload)
    try:
        period_end = date.fromisoformat(str(message.get("period_end")))
    except ValueError:
        return Rejection("period_end is not a valid ISO date", result_id, payload)
    breakdowns = message.get("breakdowns")
    clean: dict[str, float] | None = None
    if breakdowns is not None:
        if not isinstance(breakdowns, dict) or len(breakdowns) > 50:
            return Rejection(
                "breakdowns must be an object of up to 50 groups", result_id, payload
            )
        clean = {}
        for group, v in breakdowns.items():
            number = _number(v)
            if number is None or len(group) > 100:
                return Rejection(
                    f"breakdown {group[:100]!r} is not a finite number",
                    result_id,
                    payload,
                )
            clean[group] = number
    submitted_at = message.get("submitted_at")
    return LaaResult(
        result_id=result_id,
        indicator_code=code,
        period_end=period_end,
        value=value,
        breakdowns=clean,
        submitted_at=submitted_at if isinstance(submitted_at, str) else None,
        source=_text(message.get("source"), 50) or "LAA",
    )
