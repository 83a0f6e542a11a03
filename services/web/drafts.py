"""Drafts of the return sheet, kept on the server per lead and round.

A draft is what a lead typed and has not submitted: it is no fact of the
framework, so it stays out of the event log and lives in a small table of the
embedded database beside the web sessions (``web_return_drafts``). It belongs
to the lead (their e-mail address), not to a token or a session, so a lead who
signs in again, or follows a new personal link, finds it; an admin's draft
belongs to their token. Rows are dropped from the draft as they are recorded,
and the draft goes once nothing typed is left.
"""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shared.events.envelope import iso, utc_now
from shared.eventstore.engine import create_tables_once
from shared.http.auth import Principal

metadata = sa.MetaData()
web_return_drafts = sa.Table(
    "web_return_drafts",
    metadata,
    sa.Column("owner", sa.String(400), primary_key=True),
    sa.Column("round_id", sa.String(40), primary_key=True),
    sa.Column("rows", sa.Text, nullable=False),  # JSON: code -> typed fields
    sa.Column("saved_at", sa.String(40), nullable=False),
)

Rows = dict[str, dict[str, str]]


def owner_of(principal: Principal) -> str:
    """Whose draft: a lead's e-mail address, otherwise the token's id."""
    if principal.role == "lead" and principal.lead_email:
        return f"lead:{principal.lead_email.lower()}"
    return f"token:{principal.token_id or principal.name}"


class DraftStore:
    """Saves, loads and clears return-sheet drafts."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create_schema(self) -> None:
        """Create the table when missing."""
        create_tables_once(metadata, self.engine, web_return_drafts)

    def load(self, owner: str, round_id: str) -> tuple[Rows, str | None]:
        """The saved rows and when they were saved (empty, None when none)."""
        t = web_return_drafts
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(t.c.rows, t.c.saved_at).where(
                    t.c.owner == owner, t.c.round_id == round_id
                )
            ).first()
        if row is None:
            return {}, None
        return json.loads(row.rows), row.saved_at

    def save(
        self, owner: str, round_id: str, rows: Rows, at: datetime | None = None
    ) -> None:
        """Keep ``rows`` as the draft (replacing any), or drop it when empty."""
        t = web_return_drafts
        with self.engine.begin() as conn:
            conn.execute(
                sa.delete(t).where(t.c.owner == owner, t.c.round_id == round_id)
            )
            if rows:
                conn.execute(
                    sa.insert(t).values(
                        owner=owner,
                        round_id=round_id,
                        rows=json.dumps(rows, sort_keys=True),
                        saved_at=iso(at or utc_now()),
                    )
                )

    def forget(self, owner: str, round_id: str, codes: set[str]) -> None:
        """Drop the rows of ``codes`` (recorded now) from the draft."""
        rows, saved_at = self.load(owner, round_id)
        if not rows or not codes & rows.keys():
            return
        left = {c: v for c, v in rows.items() if c not in codes}
        kept = (
            datetime.fromisoformat(saved_at.replace("Z", "+00:00"))
            if saved_at
            else None
        )
        self.save(owner, round_id, left, kept)
