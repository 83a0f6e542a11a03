"""Reads of the assessment service's own state."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from .tables import indicator_facts


class AssessmentQueries:
    """Current assessments, as the assessment service last computed them."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def all(
        self, flag: str | None = None, status: str | None = None
    ) -> list[dict[str, Any]]:
        """Every assessed indicator, filtered by a flag code or a status."""
        t = indicator_facts
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(t.c.assessment)
                .where(t.c.assessment.is_not(None))
                .order_by(t.c.code)
            ).scalars()
            found = [json.loads(r) for r in rows]
        if flag:
            found = [a for a in found if any(f["code"] == flag for f in a["flags"])]
        if status:
            found = [a for a in found if a["status"] == status]
        return found
