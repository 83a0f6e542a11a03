"""``GET /api/v1/audit``: who did what and when, read straight from the log;
``GET /api/v1/audit/access``: sign-ins, refusals and token changes.

Every event carries its actor, so the log is the audit trail; this route only
filters it for people. An actor names its token id after ``#`` (events from
before token ids have none); ``actor=role:name`` finds both forms, and
``actor=role:name#id`` one token's events only. What happens at the door
(which changes nothing in the framework) is in the access trail instead
(``shared.http.access_audit``).
"""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query

from shared.events.envelope import EventEnvelope, iso
from shared.eventstore.schema import events
from shared.eventstore.store import EventStore, envelope_of
from shared.http.access_audit import AccessKind
from shared.http.auth import Principal, TokenStore
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


def _actor_is(actor: str) -> sa.ColumnElement[bool]:
    """Events by ``actor``: exactly, or any token of that name when no id is given."""
    if "#" in actor:
        return events.c.actor == actor
    escaped = actor.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return sa.or_(
        events.c.actor == actor, events.c.actor.like(f"{escaped}#%", escape="\\")
    )


def build_audit_router(store: EventStore, tokens: TokenStore | None) -> APIRouter:
    """The audit routes over ``store`` and the access trail beside ``tokens``."""
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
            query = query.where(_actor_is(actor))
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
            rows = list(conn.execute(query))
        found = [_entry(envelope_of(r)) for r in rows]
        following = found[-1]["position"] if len(found) == limit else None
        return {"events": found, "next_after": following}

    @router.get("/audit/access")
    def access(
        _who: Admin,
        kind: AccessKind | None = None,
        token_id: Annotated[str | None, Query(max_length=16)] = None,
        since: Annotated[str | None, Query(max_length=40)] = None,
        until: Annotated[str | None, Query(max_length=40)] = None,
        after: Annotated[int, Query(ge=0, le=2**62)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> dict[str, Any]:
        """Sign-ins, sign-outs, refused requests and token changes, oldest first."""
        found = (
            tokens.audit.list(
                kind=kind,
                token_id=token_id,
                since=since,
                until=until,
                after=after,
                limit=limit,
            )
            if tokens
            else []
        )
        following = found[-1]["position"] if len(found) == limit else None
        return {"events": found, "next_after": following}

    return router
