"""Admin: the officer's own words for a round's Board covering paper, then issue.

The paper drafts its purpose, summary and recommendations from the figures
(``services/reporting/reports/narrative.py``). Here the officer reads that
draft, rewrites what they want and publishes. A box left as drafted (or
emptied) keeps the drafted text, which follows the figures until the paper is
published; only what the officer actually changed is recorded as their edit.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from services.reporting.api import DraftIn
from services.reporting.reports.narrative import same_words
from shared.errors import DomainError, NotFound

from .admin_common import AdminWeb, Refused, build, done, refusal
from .forms import Errors, form_fields

Fields = Annotated[dict[str, str], Depends(form_fields)]
PARTS = ("purpose", "summary", "recommendations")
LABELS = {
    "purpose": "Purpose of the report",
    "summary": "Summary",
    "recommendations": "Recommendations",
}


def changed_only(fields: dict[str, str], drafted: dict[str, str]) -> dict[str, Any]:
    """The ``PUT .../board/draft`` body: a part the officer left as drafted (or
    emptied) is sent as absent, so it keeps following the figures."""
    body: dict[str, Any] = {}
    for part in PARTS:
        given = fields.get(part, "")
        body[part] = None if same_words(part, given, drafted[part]) else given
    return body


def routes(admin_web: AdminWeb) -> APIRouter:
    """``/admin/papers/{round_id}``: edit and publish the Board covering paper."""
    router = APIRouter()
    port = admin_web.port

    def show(
        request: Request,
        round_id: str,
        values: dict[str, str] | None = None,
        errors: Errors | None = None,
        notice: str = "",
    ) -> HTMLResponse:
        admin = admin_web.admin(request)
        try:
            paper = port.paper(round_id)
        except NotFound as exc:
            return admin_web.web.problem_page(
                request, admin.visitor, 404, "Round not found", exc.detail
            )
        shown = {
            part: paper["edits"].get(part) or paper["drafted"][part] for part in PARTS
        }
        return admin_web.page(
            request,
            admin,
            "admin_paper.html",
            title=f"Board paper for round {round_id}",
            round_id=round_id,
            paper=paper,
            values=values if values is not None else shown,
            errors=errors or {},
            notice=notice,
        )

    @router.get("/admin/papers/{round_id}", response_class=HTMLResponse)
    def paper_page(
        request: Request, round_id: str, saved: str = "", published: str = ""
    ) -> Response:
        """The drafted covering text, the officer's edits and the issue button."""
        try:
            notice = ""
            if saved:
                notice = "Your words are saved. The paper now uses them."
            elif published:
                notice = "The Board paper is published: it will not change now."
            return show(request, round_id, notice=notice)
        except Refused as refused:
            return refused.response

    @router.post("/admin/papers/{round_id}", response_class=HTMLResponse)
    def save(request: Request, round_id: str, fields: Fields) -> Response:
        """Record the officer's words, or show the form again with what is wrong."""
        where = f"/admin/papers/{quote(round_id, safe='')}"
        try:
            admin = admin_web.poster(request, fields)
            try:
                drafted = port.paper(round_id)["drafted"]
            except NotFound:
                return show(request, round_id)
            body, errors = build(DraftIn, changed_only(fields, drafted), None, LABELS)
            if body is not None:
                try:
                    port.edit_paper(round_id, body, admin.principal)
                    return done(f"{where}?saved=1")
                except DomainError as exc:
                    errors = refusal(exc, "purpose")
            return show(request, round_id, dict(fields), errors)
        except Refused as refused:
            return refused.response

    @router.post("/admin/papers/{round_id}/publish", response_class=HTMLResponse)
    def publish(request: Request, round_id: str, fields: Fields) -> Response:
        """Issue the Board paper as it stands."""
        where = f"/admin/papers/{quote(round_id, safe='')}"
        try:
            admin = admin_web.poster(request, fields)
            try:
                port.publish_paper(round_id, admin.principal)
                return done(f"{where}?published=1")
            except DomainError as exc:
                return show(request, round_id, errors=refusal(exc, "publish"))
        except Refused as refused:
            return refused.response

    return router
