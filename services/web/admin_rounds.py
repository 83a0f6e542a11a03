"""Admin: open a collection round (dates and scope) and close one.

The scope is a checkbox per indicator, ticked by the frequency rule: the
measurable indicators still in the framework that are due at the period end
typed (docs/rounds.md), or all of them before a period end is typed. The
codes ticked are always sent as the round's scope, so the round asks for what
the officer saw ticked (a round opened through the API without ``scope`` asks
every measurable indicator, as the product contract says).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from services.returns import rounds as round_rules
from services.returns.schemas import RoundIn
from shared.errors import DomainError
from shared.periods import parse_day

from .admin_common import AdminWeb, Refused, build, done, form_lists, refusal
from .forms import Errors, form_fields
from .framework import _code_key

Fields = Annotated[dict[str, str], Depends(form_fields)]
LABELS = {
    "id": "Round name",
    "period_end": "Period ending",
    "requested": "Requested on",
    "deadline": "Deadline",
    "scope": "Indicators asked for",
    "form": "Round",
}


def default_scope(indicators: list[dict[str, Any]], period_end: str = "") -> list[str]:
    """The codes a round ending ``period_end`` asks for without a scope list
    (as the server decides); before a period end is typed, every measurable
    indicator still in the framework."""
    try:
        day = parse_day(period_end)
    except ValueError:
        return [i["code"] for i in indicators if i["measurable"] and not i["retired"]]
    return round_rules.default_scope(indicators, day)


def round_body(fields: dict[str, str], chosen: list[str]) -> dict[str, Any]:
    """The ``POST /api/v1/rounds`` body of the form, with the codes ticked."""
    body: dict[str, Any] = {
        name: fields.get(name, "")
        for name in ("id", "period_end", "requested", "deadline")
    }
    body["scope"] = sorted(chosen)
    return body


def routes(admin_web: AdminWeb) -> APIRouter:
    """``/admin/rounds``: open and close rounds."""
    router = APIRouter()
    port = admin_web.port

    def show(
        request: Request,
        fields: dict[str, str] | None = None,
        chosen: list[str] | None = None,
        errors: Errors | None = None,
        notice: str = "",
    ) -> HTMLResponse:
        admin = admin_web.admin(request)
        indicators = sorted(
            (i for i in port.indicators() if not i["retired"]),
            key=lambda i: _code_key(i["code"]),
        )
        typed = (fields or {}).get("period_end", "")
        ticked = set(chosen if chosen is not None else default_scope(indicators, typed))
        return admin_web.page(
            request,
            admin,
            "admin_rounds.html",
            title="Open and close rounds",
            rounds=port.rounds(),
            indicators=indicators,
            ticked=ticked,
            values=fields or {},
            errors=errors or {},
            notice=notice,
        )

    @router.get("/admin/rounds", response_class=HTMLResponse)
    def rounds_page(request: Request, opened: str = "", closed: str = "") -> Response:
        """The rounds, a close button for each open one, and the form to open one."""
        try:
            notice = ""
            if opened:
                notice = f"Round {opened[:40]} is open."
            elif closed:
                notice = f"Round {closed[:40]} is closed: missing returns are flagged."
            return show(request, notice=notice)
        except Refused as refused:
            return refused.response

    @router.post("/admin/rounds", response_class=HTMLResponse)
    async def open_round(request: Request) -> Response:
        """Open a round from the form, or show it again with what is wrong."""
        fields, lists = await form_lists(request)
        chosen = lists.get("scope", [])
        try:
            admin = admin_web.poster(request, fields)
            body, errors = build(RoundIn, round_body(fields, chosen), None, LABELS)
            if body is not None and not chosen:
                errors = {"scope": "Indicators asked for: tick at least one indicator"}
            if body is not None and not errors:
                try:
                    made = port.open_round(body, admin.principal)
                    return done(f"/admin/rounds?opened={quote(made['id'], safe='')}")
                except DomainError as exc:
                    errors = refusal(exc, "id")
            return show(request, fields, chosen, errors)
        except Refused as refused:
            return refused.response

    @router.post("/admin/rounds/{round_id}/close", response_class=HTMLResponse)
    def close_round(request: Request, round_id: str, fields: Fields) -> Response:
        """Close a round; its missing returns are then flagged."""
        try:
            admin = admin_web.poster(request, fields)
            try:
                port.close_round(round_id, admin.principal)
            except DomainError as exc:
                return show(request, errors=refusal(exc, "close"))
            return done(f"/admin/rounds?closed={quote(round_id, safe='')}")
        except Refused as refused:
            return refused.response

    return router
