"""Each web session's credential, sealed with the session id (distributed mode).

In distributed mode the pages reach the services over HTTP, and each service
checks the bearer token it is given, as for any client: a return is recorded
as the lead's, a decision as the Executive's, with their own token's role,
scope and expiry. So the web service must send the visitor's own token, which
it sees once, when they sign in. It keeps it like this:

- the cookie holds the session id, never the token (as in embedded mode);
- the token is sealed (Fernet: AES with an HMAC) under a key derived from the
  session id, and stored by the hash of the session id in
  ``web_session_credentials`` in the token database. The server alone cannot
  open it: only a request that brings the session cookie can, and a copy of
  the database opens nothing;
- signing out deletes it, and each sign-in drops those of sessions that ended
  or expired; revoking the token, or its expiry, ends it at every service,
  since they check the token itself.

``acting_as`` records, for the request being served (a context variable, so
one request never sees another's), whose credential the port sends.
"""

from __future__ import annotations

import base64
import hashlib
from contextvars import ContextVar

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.engine import Engine

from shared.events.envelope import iso, utc_now
from shared.eventstore.engine import create_tables_once
from shared.http.sessions import web_sessions

metadata = sa.MetaData()
web_session_credentials = sa.Table(
    "web_session_credentials",
    metadata,
    sa.Column("session_hash", sa.String(64), primary_key=True),
    sa.Column("sealed", sa.Text, nullable=False),
)
_KEY_LABEL = b"pmf-web-credential\x00"
_acting: ContextVar[str | None] = ContextVar("pmf_web_credential", default=None)


def acting_as(credential: str | None) -> None:
    """Send the port's requests with ``credential`` while this request is served."""
    _acting.set(credential)


def acting() -> str | None:
    """The credential of the visitor whose request is being served, if any."""
    return _acting.get()


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _box(session_id: str) -> Fernet:
    key = hashlib.sha256(_KEY_LABEL + session_id.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


class SealedCredentials:
    """Keeps, opens and forgets each session's sealed token."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create_schema(self) -> None:
        """Create the table when missing (several web services may race)."""
        create_tables_once(metadata, self.engine, web_session_credentials)

    def keep(self, session_id: str, token: str) -> None:
        """Seal ``token`` for the session ``session_id``, and drop the sealed
        tokens of sessions that have ended, expired or been cleared away."""
        t = web_session_credentials
        s = web_sessions
        sealed = _box(session_id).encrypt(token.encode()).decode()
        live = sa.select(s.c.session_hash).where(
            s.c.ended_at.is_(None), s.c.expires_at > iso(utc_now())
        )
        with self.engine.begin() as conn:
            conn.execute(sa.delete(t).where(t.c.session_hash.not_in(live)))
            conn.execute(sa.delete(t).where(t.c.session_hash == _hash(session_id)))
            conn.execute(
                sa.insert(t).values(session_hash=_hash(session_id), sealed=sealed)
            )

    def unseal(self, session_id: str | None) -> str | None:
        """The token of the session ``session_id`` (None when there is none)."""
        if not session_id:
            return None
        t = web_session_credentials
        with self.engine.connect() as conn:
            sealed = conn.execute(
                sa.select(t.c.sealed).where(t.c.session_hash == _hash(session_id))
            ).scalar()
        if sealed is None:
            return None
        try:
            return _box(session_id).decrypt(sealed.encode()).decode()
        except InvalidToken:
            return None

    def forget(self, session_id: str | None) -> None:
        """Drop the session's sealed token (signing out)."""
        if not session_id:
            return
        t = web_session_credentials
        with self.engine.begin() as conn:
            conn.execute(sa.delete(t).where(t.c.session_hash == _hash(session_id)))


__all__ = ["SealedCredentials", "acting", "acting_as"]
