"""HTTP routes of the framework spreadsheet: the import template and an import.

- ``GET /api/v1/framework/import-template.xlsx``: the template. It holds no
  data (only column names, drop-downs and instructions), so it is served to
  whoever may read the framework, as every other read.
- ``POST /api/v1/framework/import?dry_run=true|false``: the file itself as
  the body (``text/csv`` or the XLSX media type; ``filename`` names it in
  the answer and the log). Admins only. The same checks as ``pmf import``:
  all rows or none; an answer that lists what changes (or would), every row
  error and every note on how a column was read. A file with errors is a 422
  problem whose ``errors`` list them and nothing is changed.

Served with the indicators routes: in embedded mode by the one app, in
distributed mode by the indicators service, whose store holds the framework.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from services.indicators.handlers import IndicatorService
from services.indicators.template import FILE_NAME, MEDIA_TYPE, template_workbook
from services.transfer import ImportReport, import_file
from shared.errors import Invalid
from shared.http.auth import Principal
from shared.http.deps import require
from shared.http.problems import problem

Admin = Annotated[Principal, Depends(require("admin"))]

CSV_TYPES = ("text/csv", "application/csv", "text/plain")
_SAFE_NAME = re.compile(r"[^\w .()-]+")


def build_transfer_router(service: IndicatorService) -> APIRouter:
    """The template and import routes, on ``service``'s store."""
    router = APIRouter(prefix="/api/v1", tags=["indicators"])

    @router.get(
        "/framework/import-template.xlsx",
        response_class=Response,
        responses={200: {"content": {MEDIA_TYPE: {}}, "description": "The template"}},
    )
    def import_template() -> Response:
        """The XLSX template of a framework import: the columns, drop-downs for
        polarity, frequency and yes/no, and an Instructions sheet."""
        return Response(
            template_workbook(),
            media_type=MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{FILE_NAME}"'},
        )

    @router.post(
        "/framework/import",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "text/csv": {"schema": {"type": "string"}},
                    MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
                },
            }
        },
    )
    async def import_framework(
        request: Request,
        who: Admin,
        dry_run: Annotated[bool, Query(description="Check only")] = False,
        filename: Annotated[str | None, Query(max_length=200)] = None,
    ) -> Any:
        """Create or amend indicators from a CSV or XLSX file (all rows or none)."""
        kind = _kind(request.headers.get("content-type", ""), filename)
        body = await request.body()
        if not body:
            raise Invalid("Send the file as the request body", field="body")
        name = _display_name(filename, kind)
        with tempfile.TemporaryDirectory(prefix="pmf-import-") as folder:
            path = Path(folder) / f"upload.{kind}"
            path.write_bytes(body)
            report = import_file(service, path, dry_run, actor=who.actor, name=name)
        answer = report_json(report)
        if report.errors:
            n = len(report.errors)
            return problem(
                422,
                "The file has errors",
                f"{n} error{'s' * (n != 1)} in {name}; nothing was changed",
                **{k: v for k, v in answer.items() if k != "file"},
                file=name,
            )
        return JSONResponse(answer)

    return router


def _kind(content_type: str, filename: str | None) -> str:
    """csv or xlsx, from the media type or else the file name."""
    media = content_type.split(";")[0].strip().lower()
    if media == MEDIA_TYPE:
        return "xlsx"
    if media in CSV_TYPES:
        return "csv"
    suffix = Path(filename or "").suffix.lower().lstrip(".")
    if suffix in ("csv", "xlsx"):
        return suffix
    raise Invalid(
        f"Send a CSV (text/csv) or an XLSX file ({MEDIA_TYPE}), "
        f"not {media or 'no type'}",
        field="content-type",
    )


def _display_name(filename: str | None, kind: str) -> str:
    """A name for the file in answers and the log, with nothing odd in it."""
    name = _SAFE_NAME.sub("_", Path(filename or "").name).strip()
    return name or f"upload.{kind}"


def report_json(report: ImportReport) -> dict[str, Any]:
    """An import's report as JSON: what changes, errors and notes."""
    return {
        "file": report.file,
        "dry_run": report.dry_run,
        "applied": report.applied,
        "counts": {
            kind: report.count(kind) for kind in ("register", "amend", "unchanged")
        },
        "changes": [
            {
                "row": c.row,
                "code": c.code,
                "kind": c.kind,
                "changes": [
                    {"column": col, "before": before, "after": after}
                    for col, before, after in c.diff
                ],
            }
            for c in report.changes
        ],
        "errors": [
            {"row": e.row, "column": e.column, "message": e.message}
            for e in report.errors
        ],
        "notes": [
            {"column": n.column, "message": n.message, "rows": list(n.rows)}
            for n in report.notes
        ],
    }
