"""HTTP routes of the assessment service (PRODUCT.md 7.1)."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query

from shared.http.auth import Principal
from shared.http.deps import require
from shared.http.schemas import Body, LongText

from .challenges import ChallengeService
from .queries import AssessmentQueries
from .tables import round_assessments

Executive = Annotated[Principal, Depends(require("executive"))]


class DecisionIn(Body):
    """The Executive's decision on a flagged indicator for a round."""

    decision: Literal["upheld", "lead_view_accepted"]
    note: LongText | None = None


def build_router(queries: AssessmentQueries, challenges: ChallengeService) -> APIRouter:
    """The assessment routes."""
    router = APIRouter(prefix="/api/v1", tags=["assessment"])

    @router.get("/assessments")
    def assessments(
        round: Annotated[str | None, Query(max_length=40)] = None,
        flag: Annotated[str | None, Query(max_length=40)] = None,
        status: Annotated[str | None, Query(max_length=10)] = None,
        after: Annotated[str | None, Query(max_length=32)] = None,
        limit: Annotated[int | None, Query(ge=1, le=10_000)] = None,
    ) -> list[dict[str, Any]]:
        """Current assessments, or each at a round; filter by flag or status.

        Page through a large framework with ``limit`` and ``after`` (the last
        indicator code of the previous page).
        """
        return queries.list(
            round_id=round, flag=flag, status=status, after=after, limit=limit
        )

    @router.get("/challenges")
    def list_challenges(
        round: Annotated[str, Query(max_length=40)],
    ) -> list[dict[str, Any]]:
        """Flagged indicators at a round, with the Executive's decisions.

        ``raised`` lists the flags raised as challenges (once the round closed
        or its deadline passed): only those await a decision.
        """
        flagged = [a for a in queries.list(round_id=round) if a["flags"]]
        raised = _raised(queries, round)
        return [{**a, "raised": raised.get(a["indicator_code"], [])} for a in flagged]

    @router.post("/challenges/{indicator_code:path}/{round_id}/decision")
    def decide(
        indicator_code: str, round_id: str, body: DecisionIn, who: Executive
    ) -> dict[str, Any]:
        """Record the Executive's decision: upheld, or the lead's view accepted."""
        return challenges.decide(
            indicator_code,
            round_id,
            body.decision,
            body.note,
            who.meta(),
        )

    return router


def _raised(queries: AssessmentQueries, round_id: str) -> dict[str, list[str]]:
    """The flag codes raised as challenges at a round, by indicator code."""
    t = round_assessments
    query = sa.select(t.c.code, t.c.raised).where(t.c.round_id == round_id)
    with queries.engine.connect() as conn:
        return {
            code: sorted(json.loads(raw) or ()) for code, raw in conn.execute(query)
        }
