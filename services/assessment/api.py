"""HTTP routes of the assessment service (PRODUCT.md 7.1)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from .queries import AssessmentQueries


def build_router(queries: AssessmentQueries) -> APIRouter:
    """The assessment routes bound to ``queries``."""
    router = APIRouter(prefix="/api/v1", tags=["assessment"])

    @router.get("/assessments")
    def assessments(
        flag: str | None = None, status: str | None = None
    ) -> list[dict[str, Any]]:
        """Current assessments, optionally only those with a flag or a status."""
        return queries.all(flag=flag, status=status)

    return router
