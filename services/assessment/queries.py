"""Reads of the assessment service's own state."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shared.errors import NotFound

from .tables import indicator_facts, round_assessments, rounds


class AssessmentQueries:
    """Assessments as the assessment service last computed them."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def list(
        self,
        round_id: str | None = None,
        flag: str | None = None,
        status: str | None = None,
        after: str | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Current assessments, or those at a round; filtered by flag or status.

        ``after`` (an indicator code) and ``limit`` page through a large
        framework without holding every assessment in memory at once.
        """
        with self.engine.connect() as conn:
            if round_id is None:
                t = indicator_facts
                query = sa.select(t.c.assessment).where(t.c.assessment.is_not(None))
                if after is not None:
                    query = query.where(t.c.code > after)
                if limit is not None and not (flag or status):
                    query = query.limit(limit)
                found = [
                    json.loads(r)
                    for r in conn.execute(query.order_by(t.c.code)).scalars()
                ]
            else:
                known = conn.execute(
                    sa.select(rounds.c.id).where(rounds.c.id == round_id)
                ).first()
                if known is None:
                    raise NotFound(f"No round {round_id!r}")
                r = round_assessments
                query = (
                    sa.select(r.c.data)
                    .where(r.c.round_id == round_id)
                    .order_by(r.c.code)
                )
                if after is not None:
                    query = query.where(r.c.code > after)
                found = [json.loads(x) for x in conn.execute(query).scalars()]
        if flag:
            found = [a for a in found if any(f["code"] == flag for f in a["flags"])]
        if status:
            found = [a for a in found if status in (a["status"], a["shown_status"])]
        return found if limit is None else found[:limit]
