"""Bearer tokens and roles (PRODUCT.md section 8).

Tokens are random strings shown once at creation; only their SHA-256 hash is
stored, so a copy of the database does not give anyone access.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shared.events.envelope import Metadata, iso, utc_now

Role = Literal["admin", "lead", "executive", "viewer", "system"]
ROLES: tuple[Role, ...] = ("admin", "lead", "executive", "viewer", "system")

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
)


@dataclass(frozen=True)
class Principal:
    """Who is calling: the actor recorded on every event they cause."""

    role: Role
    name: str
    lead_email: str | None = None
    token_id: str | None = None
    occurred_at: datetime | None = None  # a backdated command (Occurred-At)

    @property
    def actor(self) -> str:
        """The actor string written into event envelopes."""
        return f"{self.role}:{self.name}"

    def meta(self) -> Metadata:
        """Event metadata for a command from this caller."""
        return Metadata(actor=self.actor, occurred_at=self.occurred_at)


ANONYMOUS = Principal(role="viewer", name="anonymous")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenStore:
    """Creates, checks, lists and revokes tokens in the service's database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create_schema(self) -> None:
        """Create the token table when missing.

        Several services may share one token database and start together; a
        loser of the race to create the table finds it made by the winner.
        """
        try:
            metadata.create_all(self.engine)
        except sa.exc.DBAPIError:
            if not sa.inspect(self.engine).has_table(api_tokens.name):
                raise

    def create(self, role: Role, name: str, lead_email: str | None = None) -> str:
        """A new token for ``role``; the only time the plain token is seen."""
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
                    created_at=iso(utc_now()),
                )
            )
        return token

    def resolve(self, token: str) -> Principal | None:
        """The principal for a token, or None when unknown or revoked."""
        query = sa.select(api_tokens).where(
            api_tokens.c.token_hash == _hash(token), api_tokens.c.revoked_at.is_(None)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        if row is None:
            return None
        return Principal(
            role=row["role"],
            name=row["name"],
            lead_email=row["lead_email"],
            token_id=row["token_id"],
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
        ).order_by(t.c.created_at)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def revoke(self, token_id: str) -> bool:
        """Revoke a token by its id; False when no live token has that id."""
        t = api_tokens
        with self.engine.begin() as conn:
            done = conn.execute(
                t.update()
                .where(t.c.token_id == token_id, t.c.revoked_at.is_(None))
                .values(revoked_at=iso(utc_now()))
            )
        return done.rowcount > 0

    def has_role(self, role: Role) -> bool:
        """Whether a live token of ``role`` exists."""
        t = api_tokens
        query = sa.select(t.c.token_id).where(
            t.c.role == role, t.c.revoked_at.is_(None)
        )
        with self.engine.connect() as conn:
            return conn.execute(query.limit(1)).first() is not None
