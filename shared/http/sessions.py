"""Web sessions: a random id in the cookie, its hash and expiry on the server.

The cookie never holds the API token: a session id is made at sign-in, only
its SHA-256 hash is stored (a copy of the database opens no session), it stops
working after ``PMF_SESSION_HOURS`` (or when the token it was made with
expires or is revoked, whichever is first), and signing out ends it on the
server, so a copied cookie is useless afterwards.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shared.events.envelope import iso
from shared.eventstore.engine import create_tables_once
from shared.http.auth import Principal, TokenStore

metadata = sa.MetaData()
web_sessions = sa.Table(
    "web_sessions",
    metadata,
    sa.Column("session_hash", sa.String(64), primary_key=True),
    sa.Column("token_id", sa.String(16), nullable=False, index=True),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("expires_at", sa.String(40), nullable=False, index=True),
    sa.Column("ended_at", sa.String(40)),
)
MAX_ID_LENGTH = 100  # longer cookies are not looked up at all


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass(frozen=True)
class Session:
    """A live session: who it is for and when it stops."""

    principal: Principal
    expires_at: datetime


class SessionStore:
    """Starts, resolves and ends web sessions in the token database."""

    def __init__(
        self,
        engine: Engine,
        tokens: TokenStore,
        lifetime: timedelta,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.engine = engine
        self.tokens = tokens
        self.lifetime = lifetime
        self._now = now

    def now(self) -> datetime:
        """The clock sessions are judged by: the token store's, unless given."""
        return self._now() if self._now else self.tokens.now()

    def create_schema(self) -> None:
        """Create the table when missing."""
        create_tables_once(metadata, self.engine, web_sessions)

    def start(self, principal: Principal) -> tuple[str, int]:
        """A new session for ``principal``: its id (for the cookie) and the
        seconds it lasts (the cookie's ``Max-Age``, immune to clock skew)."""
        if principal.token_id is None:
            raise ValueError("a session needs a token")
        now = self.now()
        expires = now + self.lifetime
        if principal.expires_at is not None:
            expires = min(expires, principal.expires_at)
        session_id = secrets.token_urlsafe(32)
        t = web_sessions
        with self.engine.begin() as conn:
            # Sessions long past their end are of no further use to anyone.
            conn.execute(
                t.delete().where(t.c.expires_at < iso(now - timedelta(days=1)))
            )
            conn.execute(
                t.insert().values(
                    session_hash=_hash(session_id),
                    token_id=principal.token_id,
                    created_at=iso(now),
                    expires_at=iso(expires),
                )
            )
        return session_id, max(0, int((expires - now).total_seconds()))

    def resolve(self, session_id: str | None) -> Session | None:
        """The live session for a cookie value, or None (unknown, ended, expired)."""
        if not session_id or len(session_id) > MAX_ID_LENGTH:
            return None
        t = web_sessions
        query = sa.select(t.c.token_id, t.c.expires_at).where(
            t.c.session_hash == _hash(session_id), t.c.ended_at.is_(None)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        # Stored timestamps are fixed-width UTC, so text order is time order.
        if row is None or iso(self.now()) >= row.expires_at:
            return None
        principal = self.tokens.resolve_id(row.token_id)
        if principal is None:
            return None
        return Session(principal, datetime.fromisoformat(row.expires_at))

    def end(self, session_id: str | None) -> bool:
        """End a session; False when there was no live one."""
        if not session_id or len(session_id) > MAX_ID_LENGTH:
            return False
        t = web_sessions
        with self.engine.begin() as conn:
            done = conn.execute(
                t.update()
                .where(t.c.session_hash == _hash(session_id), t.c.ended_at.is_(None))
                .values(ended_at=iso(self.now()))
            )
        return done.rowcount > 0
