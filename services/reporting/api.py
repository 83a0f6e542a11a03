"""HTTP routes of the reporting service (PRODUCT.md 7.1)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from .queries import FrameworkQueries


def build_router(queries: FrameworkQueries) -> APIRouter:
    """The reporting routes bound to ``queries``."""
    router = APIRouter(prefix="/api/v1", tags=["reporting"])

    @router.get("/framework")
    def framework(include_retired: bool = True) -> dict[str, Any]:
        """The framework with each indicator's latest result, status and flags."""
        return queries.current(include_retired=include_retired)

    return router
