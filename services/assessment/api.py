"""HTTP routes of the assessment service (PRODUCT.md 7.1)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from shared.http.auth import Principal
from shared.http.deps import require
from shared.http.schemas import Body, LongText

from .challenges import ChallengeService
from .queries import AssessmentQueries

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
        """Flagged indicators at a round, with the Executive's decisions."""
        return [a for a in queries.list(round_id=round) if a["flags"]]

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
