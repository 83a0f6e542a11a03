"""The access trail: sign-ins, refusals and token changes, beside the event log.

The event log records every change to the framework with its actor; this table
records what happens at the door, which changes nothing in the framework and so
has no place in the log: failed and successful sign-ins, sign-outs, requests
refused with 401 or 403, throttled sign-ins, and tokens created or revoked. It
lives in the token database (one for every service in distributed mode), and
``GET /api/v1/audit/access`` shows it to admins.

Every row names the token id when one is known, so two tokens with one name
can be told apart. A refused request's row never holds the token that was
sent (only the id of a token that resolved): the trail must not leak secrets.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shared.events.envelope import iso, utc_now
from shared.eventstore.engine import create_tables_once

log = logging.getLogger("pmf.audit")

AccessKind = Literal[
    "sign-in",
    "sign-in-failed",
    "sign-in-throttled",
    "sign-out",
    "refused",
    "token-created",
    "token-revoked",
]
KINDS: tuple[str, ...] = (
    "sign-in",
    "sign-in-failed",
    "sign-in-throttled",
    "sign-out",
    "refused",
    "token-created",
    "token-revoked",
)

metadata = sa.MetaData()
access_events = sa.Table(
    "access_events",
    metadata,
    sa.Column("position", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("recorded_at", sa.String(40), nullable=False, index=True),
    sa.Column("kind", sa.String(30), nullable=False, index=True),
    sa.Column("actor", sa.String(240)),
    sa.Column("token_id", sa.String(16), index=True),
    sa.Column("client", sa.String(64)),
    sa.Column("method", sa.String(10)),
    sa.Column("path", sa.String(300)),
    sa.Column("status", sa.Integer),
    sa.Column("detail", sa.String(300)),
)


class AccessAudit:
    """Records and lists access events in the token database."""

    def __init__(self, engine: Engine, now: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self.now = now

    def create_schema(self) -> None:
        """Create the table when missing (a service losing the race finds it made)."""
        create_tables_once(metadata, self.engine, access_events)

    def record(
        self,
        kind: AccessKind,
        *,
        actor: str | None = None,
        token_id: str | None = None,
        client: str | None = None,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        detail: str | None = None,
    ) -> None:
        """Add one access event (and log it), cutting long values to fit."""
        values = {
            "recorded_at": iso(self.now()),
            "kind": kind,
            "actor": _cut(actor, 240),
            "token_id": _cut(token_id, 16),
            "client": _cut(client, 64),
            "method": _cut(method, 10),
            "path": _cut(path, 300),
            "status": status,
            "detail": _cut(detail, 300),
        }
        log.warning(
            "%s: %s %s %s %s",
            kind,
            actor or "-",
            client or "-",
            method or "",
            path or "",
            extra={"access": {k: v for k, v in values.items() if v is not None}},
        )
        with self.engine.begin() as conn:
            conn.execute(access_events.insert().values(**values))

    def list(
        self,
        *,
        kind: str | None = None,
        token_id: str | None = None,
        since: str | None = None,
        until: str | None = None,
        after: int = 0,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """Access events oldest first, after position ``after``."""
        t = access_events
        query = sa.select(t).where(t.c.position > after)
        if kind:
            query = query.where(t.c.kind == kind)
        if token_id:
            query = query.where(t.c.token_id == token_id)
        if since:
            query = query.where(t.c.recorded_at >= since)
        if until:
            query = query.where(t.c.recorded_at <= until)
        query = query.order_by(t.c.position).limit(limit)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]


def _cut(value: str | None, size: int) -> str | None:
    if value is None:
        return None
    text = "".join(c if c.isprintable() else "?" for c in str(value))
    return text[:size]
