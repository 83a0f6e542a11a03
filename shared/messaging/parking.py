"""Parked events: what one consumer could not apply, kept until it can.

When a consumer's own code raises on an event (a poison event), that event is
recorded here with the error, in the same transaction as the rest of the
batch, and later events of the same stream wait here behind it: an
indicator's history must not skip a step. Every other stream goes on. The
log is never edited: after a fix (an upcaster, a handler), ``pmf parked
retry`` re-applies the parked events in their stream order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from shared.events.envelope import EventEnvelope, iso, utc_now
from shared.events.upcasting import upcast
from shared.eventstore.schema import parked
from shared.http.readiness import Check, ReadinessCheck

FAILED = "failed"
WAITING = "waiting"


@dataclass(frozen=True)
class ParkedEvent:
    """One parked event as ``pmf parked list`` shows it."""

    consumer: str
    event_id: str
    stream: str
    stream_version: int
    position: int | None
    type: str
    state: str
    error: str | None
    parked_at: str
    attempts: int

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready data."""
        return dict(self.__dict__)


def held_streams(conn: Connection, consumer: str) -> set[str]:
    """Streams of ``consumer`` that have an event parked (later ones must wait)."""
    query = sa.select(parked.c.stream).where(parked.c.consumer == consumer).distinct()
    return set(conn.execute(query).scalars())


def park(
    conn: Connection,
    consumer: str,
    event: EventEnvelope,
    state: str,
    error: str | None,
) -> None:
    """Record ``event`` as parked for ``consumer`` (once: a repeat is a no-op)."""
    values = {
        "consumer": consumer,
        "event_id": str(event.event_id),
        "stream": event.stream,
        "stream_version": event.stream_version,
        "position": event.position,
        "type": event.type,
        "state": state,
        "error": error,
        "parked_at": iso(utc_now()),
        "attempts": 1,
        "envelope": json.dumps(event.to_record(), sort_keys=True),
    }
    exists = conn.execute(
        sa.select(parked.c.event_id).where(
            parked.c.consumer == consumer, parked.c.event_id == values["event_id"]
        )
    ).first()
    if exists is not None:
        return
    try:
        with conn.begin_nested():
            conn.execute(parked.insert().values(**values))
    except IntegrityError:
        return  # parked meanwhile by another delivery of the same event


def listing(conn: Connection, consumer: str | None = None) -> list[ParkedEvent]:
    """Parked events, by consumer, then stream order."""
    query = sa.select(parked).order_by(
        parked.c.consumer, parked.c.stream, parked.c.stream_version
    )
    if consumer is not None:
        query = query.where(parked.c.consumer == consumer)
    return [
        ParkedEvent(
            consumer=r["consumer"],
            event_id=r["event_id"],
            stream=r["stream"],
            stream_version=r["stream_version"],
            position=r["position"],
            type=r["type"],
            state=r["state"],
            error=r["error"],
            parked_at=r["parked_at"],
            attempts=r["attempts"],
        )
        for r in conn.execute(query).mappings()
    ]


def counts(conn: Connection) -> dict[str, int]:
    """Parked events per consumer (for the metric and readiness)."""
    query = sa.select(parked.c.consumer, sa.func.count()).group_by(parked.c.consumer)
    return {str(c): int(n) for c, n in conn.execute(query)}


def stream_events(conn: Connection, consumer: str, stream: str) -> list[EventEnvelope]:
    """The parked events of one stream, in stream order, as envelopes."""
    query = (
        sa.select(parked.c.envelope, parked.c.position)
        .where(parked.c.consumer == consumer, parked.c.stream == stream)
        .order_by(parked.c.stream_version)
    )
    found = []
    for raw, position in conn.execute(query):
        event = upcast(EventEnvelope.model_validate_json(raw))
        found.append(event.placed(position))
    return found


def release(conn: Connection, consumer: str, events: Iterable[EventEnvelope]) -> None:
    """Remove events that have now been applied."""
    ids = [str(e.event_id) for e in events]
    if ids:
        conn.execute(
            parked.delete().where(
                parked.c.consumer == consumer, parked.c.event_id.in_(ids)
            )
        )


def mark_failed_again(
    conn: Connection, consumer: str, event: EventEnvelope, error: str
) -> None:
    """A retry raised again: keep the newest error and count the attempt."""
    conn.execute(
        parked.update()
        .where(parked.c.consumer == consumer, parked.c.event_id == str(event.event_id))
        .values(error=error, state=FAILED, attempts=parked.c.attempts + 1)
    )


def clear(conn: Connection, consumers: Sequence[str]) -> None:
    """Forget parked events of ``consumers`` (a replay applies everything again)."""
    conn.execute(parked.delete().where(parked.c.consumer.in_(list(consumers))))


def readiness_check(engine: Engine) -> ReadinessCheck:
    """``/readyz``: degraded (still 200) while any event is parked, saying where."""

    def parked_events() -> Check:
        with engine.connect() as conn:
            held = counts(conn)
        if not held:
            return Check("parked")
        total = sum(held.values())
        reason = f"{total} event(s) parked: " + ", ".join(
            f"{consumer} {n}" for consumer, n in sorted(held.items())
        )
        return Check(
            "parked", "degraded", reason + "; see pmf parked list", {"events": total}
        )

    return parked_events
