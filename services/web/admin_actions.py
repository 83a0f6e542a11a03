"""Admin: corrective actions with an owner and a due date, and completing them."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from services.reporting.api import ActionIn, CompleteIn
from shared.errors import DomainError

from .admin_common import AdminWeb, Refused, build, done, refusal
from .forms import Errors, form_fields
from .framework import _code_key

Fields = Annotated[dict[str, str], Depends(form_fields)]
LABELS = {
    "indicator_code": "Indicator",
    "round_id": "Round",
    "description": "What must be done",
    "owner": "Owner",
    "due": "Due by",
    "note": "What was done",
}


def action_body(fields: dict[str, str]) -> dict[str, Any]:
    """The ``POST /api/v1/actions`` body of the form."""
    return {
        "indicator_code": fields.get("indicator_code", ""),
        "round_id": fields.get("round_id") or None,
        "description": fields.get("description", ""),
        "owner": fields.get("owner", ""),
        "due": fields.get("due", ""),
    }


def routes(admin_web: AdminWeb) -> APIRouter:
    """``/admin/actions``: assign and complete corrective actions."""
    router = APIRouter()
    port = admin_web.port

    def show(
        request: Request,
        values: dict[str, str] | None = None,
        errors: Errors | None = None,
        notice: str = "",
    ) -> HTMLResponse:
        admin = admin_web.admin(request)
        indicators = sorted(
            (i for i in port.indicators() if not i["retired"]),
            key=lambda i: _code_key(i["code"]),
        )
        return admin_web.page(
            request,
            admin,
            "admin_actions.html",
            title="Corrective actions",
            actions=port.actions(),
            indicators={i["code"]: f"{i['code']}: {i['title']}" for i in indicators},
            rounds={r["id"]: r["id"] for r in port.rounds()},
            values=values or {},
            errors=errors or {},
            notice=notice,
        )

    @router.get("/admin/actions", response_class=HTMLResponse)
    def actions_page(
        request: Request, assigned: str = "", completed: str = ""
    ) -> Response:
        """Every action with its status, and the form to record one."""
        try:
            notice = ""
            if assigned:
                notice = f"Action {assigned[:20]} is recorded."
            elif completed:
                notice = f"Action {completed[:20]} is marked complete."
            return show(request, notice=notice)
        except Refused as refused:
            return refused.response

    @router.post("/admin/actions", response_class=HTMLResponse)
    def assign(request: Request, fields: Fields) -> Response:
        """Record an action, or show the form again with what is wrong."""
        try:
            admin = admin_web.poster(request, fields)
            body, errors = build(ActionIn, action_body(fields), None, LABELS)
            if body is not None:
                try:
                    made = port.assign_action(body, admin.principal)
                    return done(f"/admin/actions?assigned={quote(made['id'], safe='')}")
                except DomainError as exc:
                    errors = refusal(exc, "indicator_code")
            return show(request, fields, errors)
        except Refused as refused:
            return refused.response

    @router.post("/admin/actions/{action_id}/complete", response_class=HTMLResponse)
    def complete(request: Request, action_id: str, fields: Fields) -> Response:
        """Mark an action complete, with what was done."""
        try:
            admin = admin_web.poster(request, fields)
            data = {"note": fields.get("note") or None}
            body, errors = build(CompleteIn, data, None, LABELS)
            if body is not None:
                try:
                    port.complete_action(action_id, body, admin.principal)
                    where = f"/admin/actions?completed={quote(action_id, safe='')}"
                    return done(where)
                except DomainError as exc:
                    errors = refusal(exc, "note")
            keyed = {
                f"note-{action_id}" if k == "note" else k: v for k, v in errors.items()
            }
            return show(request, {f"note-{action_id}": fields.get("note", "")}, keyed)
        except Refused as refused:
            return refused.response

    return router
