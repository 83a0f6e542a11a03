"""The event envelope of the product contract (PRODUCT.md section 4).

Every state change is one of these, appended once and never edited. The
envelope is the public API between services: the same JSON travels in the
embedded log and on Kafka topics.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared import codec


def utc_now() -> datetime:
    """The current time in UTC, to the microsecond."""
    return datetime.now(UTC)


_ISO: dict[datetime, str] = {}
_ISO_MAX = 65536


def iso(ts: datetime) -> str:
    """ISO 8601 in UTC with a ``Z`` and microseconds, the one timestamp format
    we store and send: fixed width, so text order is time order.

    Cached: consumers format the same event's times several times over (keys
    for causal order, timeline rows), and formatting costs more than a lookup.
    """
    found = _ISO.get(ts)
    if found is not None:
        return found
    if ts.tzinfo is UTC:  # what the log and the clock give: the common case
        text = ts.isoformat(timespec="microseconds")[:-6] + "Z"
    else:
        utc = ts.astimezone(UTC) if ts.tzinfo else ts.replace(tzinfo=UTC)
        text = utc.isoformat(timespec="microseconds").replace("+00:00", "Z")
    remember_iso(ts, text)
    return text


def remember_iso(ts: datetime, text: str) -> None:
    """Record that ``ts`` is written ``text`` (as :func:`iso` writes it).

    A timestamp read from the log already has its text: recording it spares
    each consumer formatting it again, the costliest step of a row's key.
    """
    if len(_ISO) >= _ISO_MAX:
        _ISO.clear()
    _ISO[ts] = text


class NewEvent(BaseModel):
    """An event a command decided on, before the store gives it a place."""

    model_config = ConfigDict(frozen=True)

    type: str
    data: dict[str, Any]
    schema_version: int = 1
    occurred_at: datetime | None = None


class EventEnvelope(BaseModel):
    """A recorded event with its stream, version and provenance."""

    model_config = ConfigDict(frozen=True)

    event_id: uuid.UUID
    type: str
    schema_version: int = Field(ge=1)
    stream: str
    stream_version: int = Field(ge=1)
    occurred_at: datetime
    recorded_at: datetime
    actor: str
    correlation_id: str
    causation_id: str | None = None
    data: dict[str, Any]
    position: int | None = Field(default=None, exclude=True)

    def to_json(self) -> str:
        """Canonical JSON (sorted keys) used in the log and on topics."""
        return codec.dumps(self.to_record())

    def to_record(self) -> dict[str, Any]:
        """Plain JSON-ready dict of the envelope."""
        return {
            "event_id": str(self.event_id),
            "type": self.type,
            "schema_version": self.schema_version,
            "stream": self.stream,
            "stream_version": self.stream_version,
            "occurred_at": iso(self.occurred_at),
            "recorded_at": iso(self.recorded_at),
            "actor": self.actor,
            "correlation_id": self.correlation_id,
            "causation_id": self.causation_id,
            "data": self.data,
        }

    @classmethod
    def trusted(cls, **values: Any) -> EventEnvelope:
        """An envelope from values already validated, given for every field.

        For rows of our own log, validated when they were appended: pydantic's
        ``model_construct`` still walks every field for defaults and aliases,
        which cost a replay about a fifth of its time per event; this sets the
        model's state directly, as ``model_construct`` ends up doing.
        """
        envelope = cls.__new__(cls)
        object.__setattr__(envelope, "__dict__", values)
        object.__setattr__(envelope, "__pydantic_fields_set__", set(values))
        object.__setattr__(envelope, "__pydantic_extra__", None)
        object.__setattr__(envelope, "__pydantic_private__", None)
        return envelope

    def placed(self, position: int) -> EventEnvelope:
        """This envelope at ``position`` in the log (``model_copy`` without its
        deep bookkeeping: the envelope is frozen, so sharing values is safe)."""
        return self.trusted(**{**self.__dict__, "position": position})

    @classmethod
    def from_json(cls, raw: str | bytes) -> EventEnvelope:
        """Parse an envelope from its JSON (raises ``ValueError`` when malformed)."""
        return cls.model_validate_json(raw)

    @property
    def key(self) -> str:
        """The partition key: the part of the stream after its kind (a code, an id)."""
        return self.stream.split(":", 1)[1] if ":" in self.stream else self.stream


# Looked up once: an Enum member read through its class costs ~30 µs on
# Python 3.11 (a descriptor call), more than the rest of a row's decoding.
_SAFE_UNKNOWN = uuid.SafeUUID.unknown


def event_id_of(text: str) -> uuid.UUID:
    """A stored event id (canonical UUID text) as a UUID, without re-checking
    its form: ``uuid.UUID(text)`` parses every form it accepts, which cost as
    much as building the rest of the envelope."""
    if len(text) != 36:
        return uuid.UUID(text)
    value = uuid.UUID.__new__(uuid.UUID)
    object.__setattr__(value, "int", int(text.replace("-", ""), 16))
    object.__setattr__(value, "is_safe", _SAFE_UNKNOWN)
    return value


# uuid4's version and variant bits, set as ``uuid.UUID(..., version=4)`` does.
_V4_CLEAR = ~((0xC000 << 48) | (0xF000 << 64)) & ((1 << 128) - 1)
_V4_SET = (0x8000 << 48) | (4 << 76)


def new_event_ids(n: int) -> list[uuid.UUID]:
    """``n`` random (version 4) UUIDs, as ``uuid.uuid4()`` makes them, from one
    read of the system's random source: one read and one checked constructor
    per id cost an append of a batch more than building its envelopes."""
    raw = os.urandom(16 * n)
    ids = []
    for k in range(0, 16 * n, 16):
        value = uuid.UUID.__new__(uuid.UUID)
        number = (int.from_bytes(raw[k : k + 16]) & _V4_CLEAR) | _V4_SET
        object.__setattr__(value, "int", number)
        object.__setattr__(value, "is_safe", _SAFE_UNKNOWN)
        ids.append(value)
    return ids


def current_correlation_id() -> str:
    """The correlation id of the request being handled, or a new one."""
    from shared.observability.logging import correlation_id

    return correlation_id.get() or str(uuid.uuid4())


class Metadata(BaseModel):
    """Who caused an append and which command it belongs to."""

    model_config = ConfigDict(frozen=True)

    actor: str = "system"
    correlation_id: str = Field(default_factory=lambda: current_correlation_id())
    causation_id: str | None = None
    # When the change took effect, if earlier than its recording (loading a
    # council's past records); as-of queries read the framework on this axis.
    occurred_at: datetime | None = None

    def caused_by(self, event: EventEnvelope, actor: str) -> Metadata:
        """Metadata for an event a consumer emits in reaction to ``event``."""
        return Metadata(
            actor=actor,
            correlation_id=event.correlation_id,
            causation_id=str(event.event_id),
            occurred_at=event.occurred_at,
        )
