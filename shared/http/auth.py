"""Bearer tokens and roles (PRODUCT.md section 8).

Tokens are random strings shown once at creation; only their SHA-256 hash is
stored, so a copy of the database does not give anyone access.

A *scoped* token (``create_scoped``) is the personal link in a lead's e-mail:
it works for one collection round only and stops working at ``expires_at``,
so a forwarded or leaked e-mail does not open the system for long.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shared.events.actors import actor_string
from shared.events.envelope import Metadata, iso, utc_now
from shared.eventstore.engine import create_tables_once
from shared.http.access_audit import AccessAudit

Role = Literal["admin", "lead", "executive", "viewer", "system", "metrics"]
ROLES: tuple[Role, ...] = ("admin", "lead", "executive", "viewer", "system", "metrics")
# Roles for machines, not people: they may not sign in to the web pages.
MACHINE_ROLES: tuple[Role, ...] = ("system", "metrics")

metadata = sa.MetaData()
api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("token_id", sa.String(16), nullable=False, unique=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("lead_email", sa.String(320)),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("revoked_at", sa.String(40)),
    # Scoped tokens only: the round they are for, and when they stop working.
    sa.Column("round_id", sa.String(40)),
    sa.Column("expires_at", sa.String(40)),
)
SCOPE_COLUMNS = ("round_id", "expires_at")


@dataclass(frozen=True)
class Principal:
    """Who is calling: the actor recorded on every event they cause."""

    role: Role
    name: str
    lead_email: str | None = None
    token_id: str | None = None
    occurred_at: datetime | None = None  # a backdated command (Occurred-At)
    # A scoped token (a personal link) may act only within this round.
    round_id: str | None = None
    expires_at: datetime | None = None

    @property
    def actor(self) -> str:
        """The actor string written into event envelopes (with the token id)."""
        return actor_string(self.role, self.name, self.token_id)

    def meta(self) -> Metadata:
        """Event metadata for a command from this caller."""
        return Metadata(actor=self.actor, occurred_at=self.occurred_at)


ANONYMOUS = Principal(role="viewer", name="anonymous")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenStore:
    """Creates, checks, lists and revokes tokens in the service's database.

    Creating and revoking a token is recorded in the access trail beside it.
    """

    def __init__(self, engine: Engine, now: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self.now = now  # the clock expiry is judged by
        self.audit = AccessAudit(engine, now)

    def create_schema(self) -> None:
        """Create the token table when missing, and add the scope columns.

        Several services may share one token database and start together; a
        loser of the race to create the table (or add a column) finds it made
        by the winner.
        """
        create_tables_once(metadata, self.engine, api_tokens)
        self._add_scope_columns()
        self.audit.create_schema()

    def _add_scope_columns(self) -> None:
        """Tables made before scoped tokens existed gain their nullable columns."""
        for column in SCOPE_COLUMNS:
            if self._has_column(column):
                continue
            try:
                with self.engine.begin() as conn:
                    conn.exec_driver_sql(
                        f"ALTER TABLE {api_tokens.name} ADD COLUMN {column} VARCHAR(40)"
                    )
            except sa.exc.DBAPIError:
                if not self._has_column(column):
                    raise

    def _has_column(self, column: str) -> bool:
        found = sa.inspect(self.engine).get_columns(api_tokens.name)
        return any(c["name"] == column for c in found)

    def create(
        self,
        role: Role,
        name: str,
        lead_email: str | None = None,
        by: str = "cli",
    ) -> str:
        """A new token for ``role``; the only time the plain token is seen.

        ``by`` is who made it, for the access trail.
        """
        return self._create(role, name, lead_email, by)

    def create_scoped(
        self,
        name: str,
        lead_email: str,
        round_id: str,
        expires_at: datetime,
        by: str = "service:mail",
    ) -> str:
        """A lead's token for one round that stops working at ``expires_at``."""
        if not lead_email or not round_id:
            raise ValueError("a scoped token needs a lead e-mail and a round")
        return self._create(
            "lead",
            name,
            lead_email,
            by,
            round_id=round_id,
            expires_at=iso(expires_at),
        )

    def _create(
        self, role: Role, name: str, lead_email: str | None, by: str, **scope: str
    ) -> str:
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        token_id = secrets.token_hex(4)
        token = f"pmf_{token_id}_{secrets.token_urlsafe(24)}"
        with self.engine.begin() as conn:
            conn.execute(
                api_tokens.insert().values(
                    token_hash=_hash(token),
                    token_id=token_id,
                    role=role,
                    name=name,
                    lead_email=lead_email.lower() if lead_email else None,
                    created_at=iso(self.now()),
                    **scope,
                )
            )
        scoped = f" for round {scope['round_id']}" if scope.get("round_id") else ""
        self.audit.record(
            "token-created",
            actor=by,
            token_id=token_id,
            detail=f"{role} token for {actor_string(role, name, token_id)}{scoped}",
        )
        return token

    def resolve(self, token: str) -> Principal | None:
        """The principal for a token, or None when unknown, revoked or expired."""
        return self._live(api_tokens.c.token_hash == _hash(token))

    def resolve_id(self, token_id: str) -> Principal | None:
        """The principal for a token id (a web session's), when still live."""
        return self._live(api_tokens.c.token_id == token_id)

    def _live(self, which: sa.ColumnElement[bool]) -> Principal | None:
        query = sa.select(api_tokens).where(which, api_tokens.c.revoked_at.is_(None))
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        if row is None:
            return None
        expires = row["expires_at"]
        # Stored timestamps are fixed-width UTC, so text order is time order.
        if expires is not None and iso(self.now()) >= expires:
            return None
        return Principal(
            role=row["role"],
            name=row["name"],
            lead_email=row["lead_email"],
            token_id=row["token_id"],
            round_id=row["round_id"],
            expires_at=datetime.fromisoformat(expires) if expires else None,
        )

    def list(self) -> list[dict[str, str | None]]:
        """Every token's id, role, name and dates (never the token itself)."""
        t = api_tokens
        query = sa.select(
            t.c.token_id,
            t.c.role,
            t.c.name,
            t.c.lead_email,
            t.c.created_at,
            t.c.revoked_at,
            t.c.round_id,
            t.c.expires_at,
        ).order_by(t.c.created_at)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def revoke(self, token_id: str, by: str = "cli") -> bool:
        """Revoke a token by its id; False when no live token has that id.

        Its web sessions end with it (they are checked against the token).
        """
        t = api_tokens
        with self.engine.begin() as conn:
            done = conn.execute(
                t.update()
                .where(t.c.token_id == token_id, t.c.revoked_at.is_(None))
                .values(revoked_at=iso(utc_now()))
            )
        if done.rowcount > 0:
            self.audit.record("token-revoked", actor=by, token_id=token_id)
        return done.rowcount > 0

    def has_role(self, role: Role) -> bool:
        """Whether a live token of ``role`` exists."""
        t = api_tokens
        query = sa.select(t.c.token_id).where(
            t.c.role == role, t.c.revoked_at.is_(None)
        )
        with self.engine.connect() as conn:
            return conn.execute(query.limit(1)).first() is not None
