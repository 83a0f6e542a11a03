"""Round pages: progress, the lead's return form and the Executive's decisions."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from shared.errors import DomainError, NotFound

from . import challenge_board
from .drafts import DraftStore, owner_of
from .forms import (
    Errors,
    domain_errors,
    form_fields,
    long_text,
    parse_return,
    sheet_fields,
)
from .framework import _code_key
from .labels import DECISIONS
from .rendering import Web
from .return_sheet import SheetRow, draft_values, read_sheet, sheet_rows
from .session import Visitor, check_origin, login_redirect

Fields = Annotated[dict[str, str], Depends(form_fields)]
SheetFields = Annotated[dict[str, str], Depends(sheet_fields)]
MAX_NOTE = 10_000


def by_organisation(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Outstanding returns grouped by lead organisation, then by named lead,
    each lead with when they were asked and reminded by e-mail."""
    orgs: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for item in items:
        org = item.get("lead_organisation") or "No lead organisation"
        lead = (item.get("named_lead") or {}).get("name") or "No named lead"
        orgs.setdefault(org, {}).setdefault(lead, []).append(item)
    return [
        {
            "organisation": org,
            "count": sum(len(v) for v in leads.values()),
            "leads": [(lead, its, contact(its)) for lead, its in sorted(leads.items())],
        }
        for org, leads in sorted(orgs.items())
    ]


def contact(items: list[dict[str, Any]]) -> dict[str, Any]:
    """When a lead was first asked, reminded and sent an overdue notice."""
    asked = [i["asked_at"] for i in items if i.get("asked_at")]
    notices = [i["overdue_notice_at"] for i in items if i.get("overdue_notice_at")]
    reminded = {t for i in items for t in i.get("reminded_at") or ()}
    return {
        "asked_at": min(asked, default=None),
        "reminded_at": sorted(reminded),
        "overdue_notice_at": min(notices, default=None),
    }


class RoundPages:
    """Builds the round page for a visitor, with any form's values and errors."""

    def __init__(self, web: Web, drafts: DraftStore) -> None:
        self.web = web
        self.drafts = drafts

    def sheet(self, round_id: str, who: Visitor) -> list[dict[str, Any]]:
        """The return sheet's rows for this visitor (raises NotFound)."""
        port = self.web.port
        the_round = port.round(round_id)
        scope = who.principal.round_id if who.principal else None
        if not who.signed_in or (scope is not None and scope != round_id):
            return []
        owed = {o["code"] for o in port.outstanding(round_id)["outstanding"]}
        mine = sorted(
            (i for i in port.framework()["indicators"] if who.may_submit_for(i)),
            key=lambda i: _code_key(i["code"]),
        )
        return sheet_rows(mine, owed, date.fromisoformat(the_round["period_end"]))

    def context(
        self,
        round_id: str,
        who: Visitor,
        return_values: dict[str, str] | None = None,
        return_errors: Errors | None = None,
        decision_values: dict[str, dict[str, str]] | None = None,
        decision_errors: dict[str, Errors] | None = None,
        sheet_judged: list[SheetRow] | None = None,
        sheet_problems: list[str] | None = None,
        recorded: list[str] | None = None,
    ) -> dict[str, Any]:
        """Everything ``round.html`` shows (raises NotFound for an unknown round)."""
        port = self.web.port
        the_round = port.round(round_id)
        progress = port.outstanding(round_id)
        indicators = {i["code"]: i for i in port.framework()["indicators"]}
        flagged = [
            {
                **a,
                "indicator": indicators.get(a["indicator_code"], {}),
                "raised": bool(a.get("raised")),
                "choices": challenge_board.choices(a),
                "lead_view": challenge_board.lead_view(a),
            }
            for a in sorted(
                port.challenges(round_id), key=lambda a: _code_key(a["indicator_code"])
            )
            if a["flags"]
        ]
        rows = self.sheet(round_id, who)
        if sheet_judged is None and who.principal is not None and rows:
            typed, saved_at = self.drafts.load(owner_of(who.principal), round_id)
            sheet = {"typed": typed, "errors": {}, "warnings": {}, "confirmed": set()}
        else:
            saved_at = None
            judged = sheet_judged or []
            sheet = {
                "typed": {r.code: r.typed for r in judged},
                "errors": {r.code: r.errors for r in judged if r.errors},
                "warnings": {r.code: r.warnings for r in judged if r.warnings},
                "confirmed": {r.code for r in judged if r.confirmed},
            }
        # A personal link from an e-mail works for its own round only.
        scope = who.principal.round_id if who.principal else None
        elsewhere = scope if scope is not None and scope != round_id else None
        mine = sorted(
            (i for i in indicators.values() if who.may_submit_for(i)),
            key=lambda i: _code_key(i["code"]),
        )
        if elsewhere:
            mine = []
        values = {"period_end": the_round["period_end"], **(return_values or {})}
        in_scope = progress["in_scope"] or 1
        everything_wrong = dict(return_errors or {})
        for found in (decision_errors or {}).values():
            everything_wrong.update(found)
        listed = {a["indicator_code"] for a in flagged}
        unlisted = {
            f"{code}: {message}"
            for code, found in (decision_errors or {}).items()
            if code not in listed
            for message in found.values()
        }
        return {
            "title": f"Round {round_id}",
            "unlisted_errors": sorted(unlisted),
            "errors": everything_wrong,
            "round": the_round,
            "progress": progress,
            "percent": round(100 * progress["received"] / in_scope),
            "outstanding_groups": by_organisation(progress["outstanding"]),
            "flagged": flagged,
            "mine": mine,
            "scoped_elsewhere": elsewhere,
            "return_values": values,
            "return_errors": return_errors or {},
            "decision_values": decision_values or {},
            "decision_errors": decision_errors or {},
            "undecided": sum(
                1 for a in flagged if a["raised"] and not a.get("decision")
            ),
            "sheet_rows": rows,
            "sheet": sheet,
            "sheet_problems": sheet_problems or [],
            "draft_saved_at": saved_at,
            "recorded": recorded or [],
        }


def _needs_session(request: Request, who: Visitor, round_id: str) -> None:
    check_origin(request)
    if not who.signed_in:
        raise login_redirect(request, f"/rounds/{quote(round_id, safe='')}")


def routes(web: Web) -> APIRouter:
    """Rounds: the list, one round, returns and decisions."""
    router = APIRouter()
    drafts = DraftStore(web.access.drafts)  # its table: Web.embedded, or startup
    pages = RoundPages(web, drafts)

    def refused(request: Request, who: Visitor, detail: str) -> HTMLResponse:
        return web.problem_page(request, who, 403, "Not allowed", detail)

    def _offered(code: str, round_id: str) -> list[str] | None:
        """The decisions open on a raised challenge (None when none is raised)."""
        challenged = web.port.challenges(round_id)
        found = next((a for a in challenged if a["indicator_code"] == code), None)
        if found is None or not found["flags"] or not found.get("raised"):
            return None
        return challenge_board.choices(found)

    @router.get("/rounds", response_class=HTMLResponse)
    def rounds_page(request: Request) -> HTMLResponse:
        """Every collection round with its progress."""
        who = web.reader(request)
        rounds = [
            {
                **r,
                "progress": web.port.outstanding(r["id"]),
                "undecided": sum(
                    1
                    for a in web.port.challenges(r["id"])
                    if a.get("raised") and not a.get("decision")
                ),
            }
            for r in web.port.rounds()
        ]
        return web.page(
            request, who, "rounds.html", title="Collection rounds", rounds=rounds
        )

    @router.get("/rounds/{round_id}", response_class=HTMLResponse)
    def round_page(
        request: Request,
        round_id: str,
        code: str = "",
        submitted: str = "",
        decided: str = "",
        recorded: str = "",
        draft: str = "",
    ) -> HTMLResponse:
        """A round: progress, the return sheet and form, and the challenges."""
        who = web.reader(request)
        try:
            context = pages.context(
                round_id,
                who,
                {"indicator_code": code[:32]},
                recorded=[c[:32] for c in recorded.split(",") if c][:200],
            )
        except NotFound as exc:
            return web.problem_page(request, who, 404, "Round not found", exc.detail)
        return web.page(
            request,
            who,
            "round.html",
            submitted=submitted[:32],
            decided=decided[:32],
            draft_saved=draft == "saved",
            **context,
        )

    @router.post("/rounds/{round_id}/sheet", response_class=HTMLResponse)
    def submit_sheet(request: Request, round_id: str, fields: SheetFields) -> Response:
        """The return sheet: saved as a draft, or every ready row recorded and
        the rest shown again with their errors and warnings."""
        who = web.visitor(request)
        _needs_session(request, who, round_id)
        if not who.form_is_genuine(fields.get("csrf")):
            return refused(request, who, "The form has expired: reload it and retry.")
        if who.role not in ("lead", "admin") or who.principal is None:
            return refused(request, who, "Only leads and admins submit returns.")
        try:
            the_round = web.port.round(round_id)
            rows = {r["code"]: r for r in pages.sheet(round_id, who)}
        except NotFound as exc:
            return web.problem_page(request, who, 404, "Round not found", exc.detail)
        period_end = date.fromisoformat(the_round["period_end"])
        judged, problems = read_sheet(fields, rows, period_end)
        owner = owner_of(who.principal)
        here = f"/rounds/{quote(round_id, safe='')}"
        if fields.get("action") == "draft":
            drafts.save(owner, round_id, draft_values(judged))
            return RedirectResponse(f"{here}?draft=saved#sheet", status_code=303)
        recorded: list[str] = []
        for row in judged:
            if not row.ready or row.command is None:
                continue
            try:
                web.port.submit_return(row.command, who.principal)
            except DomainError as exc:
                row.errors.update(domain_errors(exc, "value"))
                continue
            except PermissionError as exc:
                row.errors["value"] = str(exc)
                continue
            recorded.append(row.code)
        drafts.forget(owner, round_id, set(recorded))
        waiting = [
            r
            for r in judged
            if r.code not in recorded and (r.errors or (r.warnings and r.command))
        ]
        if not waiting and not problems:
            done = quote(",".join(recorded), safe=",")
            return RedirectResponse(f"{here}?recorded={done}#sheet", status_code=303)
        left = [r for r in judged if r.code not in recorded]
        try:
            context = pages.context(
                round_id,
                who,
                sheet_judged=left,
                sheet_problems=problems,
                recorded=recorded,
            )
        except NotFound as exc:
            return web.problem_page(request, who, 404, "Round not found", exc.detail)
        status = 422 if any(r.errors for r in left) or problems else 200
        return web.page(request, who, "round.html", status_code=status, **context)

    @router.post("/rounds/{round_id}/returns", response_class=HTMLResponse)
    def submit_return(request: Request, round_id: str, fields: Fields) -> Response:
        """A return from the form: recorded, or the form again with its errors."""
        who = web.visitor(request)
        _needs_session(request, who, round_id)
        if not who.form_is_genuine(fields.get("csrf")):
            return refused(request, who, "The form has expired: reload it and retry.")
        if who.role not in ("lead", "admin") or who.principal is None:
            return refused(request, who, "Only leads and admins submit returns.")
        cmd, errors = parse_return(fields)
        if cmd is not None:
            try:
                web.port.submit_return(cmd, who.principal)
            except DomainError as exc:
                errors = domain_errors(exc, "indicator_code")
            except PermissionError as exc:
                errors = {"indicator_code": str(exc)}
        if not errors and cmd is not None:
            where = (
                f"/rounds/{quote(round_id, safe='')}"
                f"?submitted={quote(cmd['indicator_code'], safe='')}#return-form"
            )
            return RedirectResponse(where, status_code=303)
        try:
            context = pages.context(round_id, who, fields, errors)
        except NotFound as exc:
            return web.problem_page(request, who, 404, "Round not found", exc.detail)
        return web.page(request, who, "round.html", status_code=422, **context)

    @router.post("/rounds/{round_id}/decisions", response_class=HTMLResponse)
    def record_decision(request: Request, round_id: str, fields: Fields) -> Response:
        """The Executive's decision on a flagged indicator at this round."""
        who = web.visitor(request)
        _needs_session(request, who, round_id)
        if not who.form_is_genuine(fields.get("csrf")):
            return refused(request, who, "The form has expired: reload it and retry.")
        if not who.may_decide or who.principal is None:
            return refused(request, who, "Only the Executive records decisions.")
        code = fields.get("indicator_code", "")
        decision = fields.get("decision", "")
        note = fields.get("note", "")
        errors: Errors = {}
        offered = _offered(code, round_id)
        if offered is None:
            errors["indicator_code"] = (
                f"No challenge has been raised on {code} at round {round_id}: "
                "a flag becomes a challenge once the round closes or its "
                "deadline passes"
            )
        elif decision not in DECISIONS:
            errors["decision"] = (
                "Choose whether the computed status stands or the lead's view "
                "is accepted"
                if "lead_view_accepted" in offered
                else "Confirm that the computed status stands"
            )
        elif decision not in offered:
            errors["decision"] = (
                "The lead gave no prediction that differs from the computed "
                "status, so there is no view of theirs to accept"
            )
        if len(note) > MAX_NOTE:
            errors["note"] = "The note must be 10,000 characters or fewer"
        else:
            note, problem = long_text(note)
            if problem:
                errors["note"] = f"The note {problem}"
        if not errors:
            try:
                web.port.decide(code, round_id, decision, note or None, who.principal)
            except DomainError as exc:
                errors = domain_errors(exc, "decision")
        if not errors:
            where = (
                f"/rounds/{quote(round_id, safe='')}"
                f"?decided={quote(code, safe='')}#challenges"
            )
            return RedirectResponse(where, status_code=303)
        try:
            context = pages.context(
                round_id,
                who,
                decision_values={code: fields},
                decision_errors={code: errors},
            )
        except NotFound as exc:
            return web.problem_page(request, who, 404, "Round not found", exc.detail)
        return web.page(request, who, "round.html", status_code=422, **context)

    return router
