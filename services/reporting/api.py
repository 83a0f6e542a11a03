"""HTTP routes of the reporting service (PRODUCT.md 7.1)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from shared.errors import Invalid

from .queries import FrameworkQueries, parse_as_of


def build_router(queries: FrameworkQueries) -> APIRouter:
    """The reporting routes bound to ``queries``."""
    router = APIRouter(prefix="/api/v1", tags=["reporting"])

    @router.get("/framework")
    def framework(
        as_of: Annotated[str | None, Query(max_length=40)] = None,
        version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
        include_retired: bool = True,
    ) -> dict[str, Any]:
        """The framework now, as of a time or at a version, with status."""
        if as_of is not None and version is not None:
            raise Invalid("Give as_of or version, not both", "as_of")
        if version is not None:
            return queries.version(version, include_retired)
        if as_of is not None:
            return queries.as_of(parse_as_of(as_of), include_retired)
        return queries.current(include_retired)

    @router.get("/framework/versions")
    def list_versions() -> list[dict[str, Any]]:
        """Every published framework version, oldest first."""
        return queries.versions()

    @router.get("/framework/diff")
    def diff(
        from_: Annotated[int, Query(alias="from", ge=1, le=1_000_000)],
        to: Annotated[int, Query(ge=1, le=1_000_000)],
    ) -> dict[str, Any]:
        """Indicators added, retired and changed (field by field) between versions."""
        return queries.diff(from_, to)

    @router.get("/indicators/{code:path}/history")
    def history(code: str) -> dict[str, Any]:
        """An indicator's full history: definition, results, assessments, decisions."""
        return queries.history(code)

    return router
