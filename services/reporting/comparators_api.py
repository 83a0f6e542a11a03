"""HTTP routes of comparator figures (England, region, statistical neighbours).

- ``POST /api/v1/comparators/import?dry_run=&source=&published=&indicator=``:
  a CSV or XLSX file as the body (as ``/framework/import``). Admins only. A
  file with errors is a 422 problem listing them, and nothing is loaded.
- ``POST /api/v1/comparators``: the same as JSON rows.
- ``GET /api/v1/indicators/{code}/comparators?as_of=&period_end=``: the
  indicator's figures by period and its comparison.

Served with the reporting routes, whose store the figures are appended to.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from shared.errors import Invalid
from shared.http.auth import Principal
from shared.http.deps import require
from shared.http.problems import problem
from shared.http.schemas import Body, Code, Name, PlanDate

from .comparators import ComparatorService, LoadReport
from .queries import parse_as_of

Admin = Annotated[Principal, Depends(require("admin"))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AreaCode = Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[A-Z0-9]+$")]


class ComparatorRowIn(Body):
    """One published figure for an area."""

    area_code: AreaCode
    area_name: Name | None = None
    area_type: Literal["england", "region", "statistical_neighbour", "other_council"]
    indicator_code: Code
    period_end: PlanDate
    value: float


class ComparatorsIn(Body):
    """Figures from one publication (LG Inform, LAIT, a DfE release)."""

    source: Name
    published: PlanDate | None = None
    rows: list[ComparatorRowIn] = Field(min_length=1, max_length=50_000)


CSV_TYPES = ("text/csv", "application/csv", "text/plain")
_SAFE_NAME = re.compile(r"[^\w .()-]+")


def _kind(content_type: str, filename: str | None) -> str:
    """csv or xlsx, from the media type or else the file name."""
    media = content_type.split(";")[0].strip().lower()
    if media == XLSX:
        return "xlsx"
    if media in CSV_TYPES:
        return "csv"
    suffix = Path(filename or "").suffix.lower().lstrip(".")
    if suffix in ("csv", "xlsx"):
        return suffix
    raise Invalid(
        f"Send a CSV (text/csv) or an XLSX file ({XLSX}), not {media or 'no type'}",
        field="content-type",
    )


def _display_name(filename: str | None, kind: str) -> str:
    """A name for the file in answers, with nothing odd in it."""
    name = _SAFE_NAME.sub("_", Path(filename or "").name).strip()
    return name or f"comparators.{kind}"


def _answer(report: LoadReport) -> Any:
    answer = report.json()
    if report.errors:
        n = len(report.errors)
        return problem(
            422,
            "The file has errors",
            f"{n} error{'s' * (n != 1)} in {report.file}; nothing was loaded",
            **{k: v for k, v in answer.items() if k != "file"},
            file=report.file,
        )
    return JSONResponse(answer, status_code=200 if report.dry_run else 201)


def build_comparators_router(service: ComparatorService) -> APIRouter:
    """The comparator routes on ``service``."""
    router = APIRouter(prefix="/api/v1", tags=["reporting"])

    @router.post(
        "/comparators/import",
        status_code=201,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "text/csv": {"schema": {"type": "string"}},
                    XLSX: {"schema": {"type": "string", "format": "binary"}},
                },
            }
        },
    )
    async def import_comparators(
        request: Request,
        who: Admin,
        dry_run: Annotated[bool, Query(description="Check only")] = False,
        filename: Annotated[str | None, Query(max_length=200)] = None,
        source: Annotated[str | None, Query(max_length=200)] = None,
        published: date | None = None,
        indicator: Annotated[str | None, Query(max_length=32)] = None,
    ) -> Any:
        """Load comparator figures from a CSV or XLSX file (all rows or none)."""
        kind = _kind(request.headers.get("content-type", ""), filename)
        body = await request.body()
        if not body:
            raise Invalid("Send the file as the request body", field="body")
        name = _display_name(filename, kind)
        report = await run_in_threadpool(
            lambda: service.load_file(
                body,
                kind,
                name=name,
                source=source,
                published=published.isoformat() if published else None,
                indicator_code=indicator,
                dry_run=dry_run,
                meta=who.meta(),
            )
        )
        return _answer(report)

    @router.post("/comparators", status_code=201)
    def load_comparators(
        body: ComparatorsIn,
        who: Admin,
        dry_run: Annotated[bool, Query(description="Check only")] = False,
    ) -> Any:
        """Load comparator figures given as JSON rows (all or none)."""
        rows = [
            {**r.model_dump(), "period_end": r.period_end.isoformat()}
            for r in body.rows
        ]
        report = service.load_rows(
            rows,
            source=body.source,
            published=body.published.isoformat() if body.published else None,
            dry_run=dry_run,
            meta=who.meta(),
        )
        return _answer(report)

    @router.get("/indicators/{code:path}/comparators")
    def comparators(
        code: str,
        as_of: Annotated[str | None, Query(max_length=40)] = None,
        period_end: date | None = None,
    ) -> dict[str, Any]:
        """England, region and neighbour figures, rank, quartile and gap to England."""
        at = parse_as_of(as_of) if as_of is not None else None
        return service.comparators(
            code, at, period_end.isoformat() if period_end else None
        )

    return router
