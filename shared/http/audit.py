"""``GET /api/v1/audit``: who did what and when, read straight from the log.

Every event carries its actor, so the log is the audit trail; this route only
filters it for people.
"""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query

from shared.events.envelope import EventEnvelope, iso
from shared.eventstore.schema import events
from shared.eventstore.store import EventStore, envelope_of
from shared.http.auth import Principal
from shared.http.deps import require

Admin = Annotated[Principal, Depends(require("admin"))]


def _entry(e: EventEnvelope) -> dict[str, Any]:
    return {
        "position": e.position,
        "event_id": str(e.event_id),
        "type": e.type,
        "stream": e.stream,
        "actor": e.actor,
        "occurred_at": iso(e.occurred_at),
        "recorded_at": iso(e.recorded_at),
        "correlation_id": e.correlation_id,
    }


def build_audit_router(store: EventStore) -> APIRouter:
    """The audit route over ``store``."""
    router = APIRouter(prefix="/api/v1", tags=["audit"])

    @router.get("/audit")
    def audit(
        _who: Admin,
        actor: Annotated[str | None, Query(max_length=200)] = None,
        type: Annotated[str | None, Query(max_length=100)] = None,
        stream: Annotated[str | None, Query(max_length=200)] = None,
        since: Annotated[str | None, Query(max_length=40)] = None,
        until: Annotated[str | None, Query(max_length=40)] = None,
        after: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> dict[str, Any]:
        """Events with their actors, oldest first; page on with ``after``."""
        query = sa.select(events).where(events.c.position > after)
        if actor:
            query = query.where(events.c.actor == actor)
        if type:
            query = query.where(events.c.type == type)
        if stream:
            query = query.where(events.c.stream == stream)
        if since:
            query = query.where(events.c.recorded_at >= since)
        if until:
            query = query.where(events.c.recorded_at <= until)
        query = query.order_by(events.c.position).limit(limit)
        with store.engine.connect() as conn:
            rows = list(conn.execute(query).mappings())
        found = [_entry(envelope_of(r)) for r in rows]
        following = found[-1]["position"] if len(found) == limit else None
        return {"events": found, "next_after": following}

    return router
