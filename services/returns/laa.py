"""The LAA stream's messages: parsing and validation (pure).

A message that is not valid JSON, misses a field, names an unknown indicator
or carries a non-numeric value is never dropped silently: the caller turns a
:class:`Rejection` into a dead letter with its reason.

Each message is judged on its own and by the same rules as a lead's return
(``ReturnIn``): dates between 1990 and 2100, bounded text, no text that cannot
be stored as UTF-8 (a lone surrogate such as ``\\ud800`` would fail the whole
batch's transaction in the database, losing the good messages beside it).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson

from shared.breakdowns import BreakdownError, normalise
from shared.text import forbidden

REQUIRED = ("result_id", "indicator_code", "period_end", "value")
MAX_MESSAGE_BYTES = 64_000
# The dates a plan can be about, as for returns (shared.http.schemas.PlanDate).
EARLIEST = date(1990, 1, 1)
LATEST = date(2100, 12, 31)
# An ISO 8601 timestamp with offset and fractions fits easily.
MAX_SUBMITTED_AT = 40


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
    breakdown_counts: dict[str, dict[str, int]] | None = None

    def to_data(self) -> dict[str, Any]:
        """The LaaResultReceived event data."""
        return {
            "result_id": self.result_id,
            "indicator_code": self.indicator_code,
            "period_end": self.period_end.isoformat(),
            "value": self.value,
            "breakdowns": self.breakdowns,
            **(
                {"breakdown_counts": self.breakdown_counts}
                if self.breakdown_counts
                else {}
            ),
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


def storable(text: str) -> bool:
    """Whether ``text`` can be written as UTF-8 (no lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text  # PostgreSQL refuses NUL in text and JSON


def _text(value: Any, limit: int) -> str | None:
    """A short text of the message (an id, a code, a group name), or None when it
    is empty, too long, or holds a control, bidi or unstorable character (what
    the free-text rule of ``shared.text`` refuses everywhere else)."""
    if not isinstance(value, str) or not 0 < len(value) <= limit:
        return None
    if not storable(value) or "\n" in value or "\t" in value:
        return None
    return value if forbidden(value) is None else None


def _in_range(day: date) -> bool:
    return EARLIEST <= day <= LATEST


def _submitted_at(value: Any) -> str | Rejection | None:
    """The LAA system's own timestamp, checked like any date we store."""
    if value is None:
        return None
    reason = (
        f"submitted_at must be an ISO 8601 date-time of up to {MAX_SUBMITTED_AT} "
        f"characters between {EARLIEST.year} and {LATEST.year}"
    )
    text = _text(value, MAX_SUBMITTED_AT)
    if text is None:
        return Rejection(reason, None, "")
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return Rejection(reason, None, "")
    return text if _in_range(when.date()) else Rejection(reason, None, "")


def _surely_small(message: dict[str, Any]) -> bool:
    """Whether ``message``'s ASCII JSON is surely within the limit, from its
    compact UTF-8 JSON (orjson: a tenth of the time). No character takes more
    than three times as much room as ASCII JSON (``\\u00e9`` against two
    bytes, a pair of escapes against four), nor does a separator."""
    try:
        return 3 * len(orjson.dumps(message)) < MAX_MESSAGE_BYTES
    except TypeError:  # a lone surrogate, an integer beyond 64 bits
        return False


def parse(raw: bytes | str | dict[str, Any]) -> LaaResult | Rejection:
    """A valid :class:`LaaResult`, or a :class:`Rejection` saying why not."""
    payload: str | None = None
    if isinstance(raw, dict):
        message: Any = raw
        if not _surely_small(raw):
            whole = json.dumps(raw, default=str)  # ASCII: surrogates are escaped
            payload = whole[:MAX_MESSAGE_BYTES]
            if len(whole) > MAX_MESSAGE_BYTES:
                return Rejection("message larger than 64 kB", None, payload)
    else:
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        payload = text[:MAX_MESSAGE_BYTES]
        if len(text) > MAX_MESSAGE_BYTES:
            return Rejection("message larger than 64 kB", None, payload)
        try:
            message = json.loads(text)
        except ValueError:
            return Rejection("not valid JSON", None, payload)

    def reject(reason: str, result_id: str | None) -> Rejection:
        """A rejection keeping the message, encoded only now that one is due."""
        kept = payload
        if kept is None:
            kept = json.dumps(raw, default=str)[:MAX_MESSAGE_BYTES]
        return Rejection(reason, result_id, kept)

    if not isinstance(message, dict):
        return reject("message is not a JSON object", None)
    result_id = _text(message.get("result_id"), 200)
    for name in REQUIRED:
        if message.get(name) is None:
            return reject(f"missing field {name}", result_id)
    if result_id is None:
        return reject("result_id must be a string of 1-200 characters", None)
    code = _text(message.get("indicator_code"), 32)
    if code is None:
        return reject("indicator_code must be a code of 1-32 characters", result_id)
    value = _number(message.get("value"))
    if value is None:
        return reject("value is not a finite number", result_id)
    try:
        period_end = date.fromisoformat(str(message.get("period_end")))
    except ValueError:
        return reject("period_end is not a valid ISO date", result_id)
    if not _in_range(period_end):
        return reject(f"period_end must be between {EARLIEST} and {LATEST}", result_id)
    breakdowns = message.get("breakdowns")
    clean: dict[str, float] | None = None
    counts: dict[str, dict[str, int]] = {}
    if breakdowns is not None:
        if not isinstance(breakdowns, dict) or len(breakdowns) > 50:
            return reject("breakdowns must be an object of up to 50 groups", result_id)
        if any(_text(group, 100) is None for group in breakdowns):
            return reject(
                "breakdown groups must be names of 1-100 characters",
                result_id,
            )
        try:
            clean, counts = normalise(breakdowns)
        except BreakdownError as exc:
            return reject(str(exc), result_id)
    submitted_at = _submitted_at(message.get("submitted_at"))
    if isinstance(submitted_at, Rejection):
        return reject(submitted_at.reason, result_id)
    source = message.get("source")
    if source is not None and _text(source, 50) is None:
        return reject("source must be text of 1-50 characters", result_id)
    return LaaResult(
        result_id=result_id,
        indicator_code=code,
        period_end=period_end,
        value=value,
        breakdowns=clean,
        breakdown_counts=counts or None,
        submitted_at=submitted_at,
        source=source or "LAA",
    )
