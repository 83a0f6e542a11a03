"""Admin: register an indicator and edit its definition, lead, baseline,
target (with the reason) and milestones.

The edit page holds one form per part, as the API has one command per part;
each form sends back the indicator's version it was drawn from, so a change
made meanwhile by someone else is refused (409 in the API) instead of being
silently overwritten.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from services.indicators.schemas import (
    IndicatorCreate,
    IndicatorUpdate,
    LeadIn,
    MilestonesIn,
    PointIn,
    RetireIn,
    TargetIn,
)
from services.indicators.spreadsheet import (
    milestones_text,
    number_text,
    parse_milestones,
)
from shared.errors import DomainError, NotFound

from .admin_common import (
    AdminWeb,
    Refused,
    build,
    done,
    expected_version,
    number_or_text,
    refusal,
)
from .forms import Errors, form_fields
from .framework import _code_key
from .labels import FREQUENCIES, POLARITIES, UNITS

Fields = Annotated[dict[str, str], Depends(form_fields)]
LABELS = {
    "code": "Code",
    "title": "Title",
    "outcome": "Outcome",
    "polarity": "Polarity",
    "unit": "Unit",
    "frequency": "Frequency",
    "lead_organisation": "Lead organisation",
    "named_lead_name": "Named lead",
    "named_lead_email": "Named lead's e-mail",
    "tolerance": "Tolerance",
    "baseline_value": "Baseline",
    "baseline_period_end": "Baseline period ending",
    "target_value": "Target",
    "target_period_end": "Target due",
    "target_reason": "Reason for the target",
    "milestones": "Milestones",
    "reason": "Reason for the change",
    "value": "Value",
    "period_end": "Period ending",
}
# Where a nested field of a body is shown on the register form.
REGISTER_FIELDS = {
    "named_lead.name": "named_lead_name",
    "named_lead.email": "named_lead_email",
    "baseline.value": "baseline_value",
    "baseline.period_end": "baseline_period_end",
    "target.value": "target_value",
    "target.period_end": "target_period_end",
    "target.reason": "target_reason",
    "milestones.value": "milestones",
    "milestones.period_end": "milestones",
}
MILESTONE_HINT = (
    "One a line, as date = value, for example 2009-03-31 = 62.5 (the trajectory "
    "from the baseline to the target)"
)


def _milestones(text: str) -> tuple[list[dict[str, Any]] | None, str | None]:
    """Milestone lines (or the spreadsheet's ``;`` list) as the API's points."""
    try:
        points = parse_milestones(text.replace("\n", ";"))
    except ValueError as exc:
        return None, f"Milestones: {exc}"
    return [{"value": v, "period_end": d} for v, d in points], None


def _lead(fields: dict[str, str], prefix: str = "") -> dict[str, Any] | None:
    name = fields.get(f"{prefix}named_lead_name", "")
    email = fields.get(f"{prefix}named_lead_email", "")
    if not name and not email:
        return None
    return {"name": name, "email": email or None}


def register_body(fields: dict[str, str]) -> tuple[dict[str, Any], Errors]:
    """The ``POST /api/v1/indicators`` body of the register form."""
    body: dict[str, Any] = {
        "code": fields.get("code", ""),
        "title": fields.get("title", ""),
        "outcome": fields.get("outcome", ""),
        "polarity": fields.get("polarity", ""),
        "unit": fields.get("unit") or "number",
        "frequency": fields.get("frequency") or "annual",
        "laa": fields.get("laa") == "yes",
        "measurable": fields.get("measurable", "yes") == "yes",
        "lead_organisation": fields.get("lead_organisation") or None,
        "named_lead": _lead(fields),
        "tolerance": number_or_text(fields.get("tolerance", "")),
    }
    if fields.get("baseline_value") or fields.get("baseline_period_end"):
        body["baseline"] = {
            "value": number_or_text(fields.get("baseline_value", "")),
            "period_end": fields.get("baseline_period_end", ""),
        }
    if fields.get("target_value") or fields.get("target_period_end"):
        body["target"] = {
            "value": number_or_text(fields.get("target_value", "")),
            "period_end": fields.get("target_period_end") or None,
            "reason": fields.get("target_reason") or None,
        }
    errors: Errors = {}
    if fields.get("milestones"):
        body["milestones"], problem = _milestones(fields["milestones"])
        if problem:
            errors["milestones"] = problem
    return body, errors


def form_values(ind: dict[str, Any]) -> dict[str, str]:
    """An indicator's definition as the edit forms' field values."""
    lead = ind.get("named_lead") or {}
    base = ind.get("baseline") or {}
    target = ind.get("target") or {}
    shown = {
        "def-title": ind["title"],
        "def-outcome": ind["outcome"],
        "def-polarity": ind["polarity"],
        "def-unit": ind["unit"],
        "def-frequency": ind["frequency"],
        "def-tolerance": number_text(ind["tolerance"]),
        "lead-lead_organisation": ind.get("lead_organisation") or "",
        "lead-named_lead_name": lead.get("name") or "",
        "lead-named_lead_email": lead.get("email") or "",
        "base-value": number_text(base.get("value")),
        "base-period_end": base.get("period_end") or "",
        "target-value": number_text(target.get("value")),
        "target-period_end": target.get("period_end") or "",
        "target-reason": "",
        "ms-milestones": milestones_text(ind.get("milestones") or []).replace(
            ";", "\n"
        ),
    }
    return {k: v.replace("\n ", "\n") for k, v in shown.items()}


def _prefixed(errors: Errors, prefix: str) -> Errors:
    return {f"{prefix}{k}": v for k, v in errors.items()}


def routes(admin_web: AdminWeb) -> APIRouter:
    """``/admin/indicators``: the list, registering and editing."""
    router = APIRouter()
    port = admin_web.port
    choices: dict[str, Any] = {
        "POLARITIES": POLARITIES,
        "FREQUENCIES": FREQUENCIES,
        "UNITS": UNITS,
    }

    @router.get("/admin/indicators", response_class=HTMLResponse)
    def list_page(request: Request, registered: str = "") -> Response:
        """Every indicator, each linking to its edit page."""
        try:
            admin = admin_web.admin(request)
        except Refused as refused:
            return refused.response
        indicators = sorted(port.indicators(), key=lambda i: _code_key(i["code"]))
        notice = f"{registered[:32]} is registered." if registered else ""
        return admin_web.page(
            request,
            admin,
            "admin_indicators.html",
            title="Register and edit indicators",
            indicators=indicators,
            notice=notice,
        )

    def register_page(
        request: Request, values: dict[str, str], errors: Errors
    ) -> HTMLResponse:
        admin = admin_web.admin(request)
        return admin_web.page(
            request,
            admin,
            "admin_indicator_new.html",
            title="Register an indicator",
            values=values,
            errors=errors,
            MILESTONE_HINT=MILESTONE_HINT,
            **choices,
        )

    @router.get("/admin/indicators/new", response_class=HTMLResponse)
    def new_page(request: Request) -> Response:
        """The register form."""
        try:
            defaults = {"unit": "percent", "frequency": "annual", "measurable": "yes"}
            return register_page(request, defaults, {})
        except Refused as refused:
            return refused.response

    @router.post("/admin/indicators/new", response_class=HTMLResponse)
    def register(request: Request, fields: Fields) -> Response:
        """Register the indicator, or show the form again with what is wrong."""
        try:
            admin = admin_web.poster(request, fields)
            data, errors = register_body(fields)
            body, more = build(IndicatorCreate, data, REGISTER_FIELDS, LABELS)
            errors = {**errors, **more}
            if body is not None and not errors:
                try:
                    port.register_indicator(body, admin.principal)
                    where = f"/admin/indicators?registered={quote(body.code, safe='')}"
                    return done(where)
                except DomainError as exc:
                    errors = refusal(exc, "code")
            return register_page(request, fields, errors)
        except Refused as refused:
            return refused.response

    def edit_page(
        request: Request,
        code: str,
        values: dict[str, str] | None = None,
        errors: Errors | None = None,
        notice: str = "",
    ) -> HTMLResponse:
        admin = admin_web.admin(request)
        try:
            ind = port.indicator(code)
        except NotFound as exc:
            return admin_web.web.problem_page(
                request, admin.visitor, 404, "Indicator not found", exc.detail
            )
        return admin_web.page(
            request,
            admin,
            "admin_indicator_edit.html",
            title=f"Edit {ind['code']}",
            ind=ind,
            values={**form_values(ind), **(values or {})},
            errors=errors or {},
            notice=notice,
            MILESTONE_HINT=MILESTONE_HINT,
            **{
                **choices,
                "UNITS": {**UNITS, ind["unit"]: UNITS.get(ind["unit"], ind["unit"])},
            },
        )

    @router.get("/admin/indicators/{code:path}/edit", response_class=HTMLResponse)
    def edit(request: Request, code: str, saved: str = "") -> Response:
        """The edit forms of one indicator."""
        try:
            notice = f"The {saved[:20]} is saved." if saved else ""
            return edit_page(request, code, notice=notice)
        except Refused as refused:
            return refused.response

    def change(
        request: Request,
        code: str,
        fields: dict[str, str],
        prefix: str,
        what: str,
        model: type[BaseModel],
        data: dict[str, Any],
        send: Any,
        errors: Errors | None = None,
    ) -> Response:
        admin = admin_web.poster(request, fields)
        body, found = build(model, data, REGISTER_FIELDS, LABELS)
        errors = {**(errors or {}), **found}
        if body is not None and not errors:
            try:
                send(code, body, expected_version(fields), admin.principal)
                where = f"/admin/indicators/{quote(code, safe='')}/edit?saved={what}"
                return done(where + f"#{prefix.rstrip('-')}")
            except DomainError as exc:
                errors = refusal(exc, "form")
        values = {f"{prefix}{k}": v for k, v in fields.items() if k != "csrf"}
        return edit_page(request, code, values, _prefixed(errors, prefix))

    @router.post(
        "/admin/indicators/{code:path}/definition", response_class=HTMLResponse
    )
    def definition(request: Request, code: str, fields: Fields) -> Response:
        """Title, outcome, polarity, unit, frequency and tolerance."""
        data: dict[str, Any] = {
            name: fields.get(name, "")
            for name in ("title", "outcome", "polarity", "unit", "frequency")
        }
        data["tolerance"] = number_or_text(fields.get("tolerance", ""))
        data["reason"] = fields.get("reason") or None
        try:
            return change(
                request,
                code,
                fields,
                "def-",
                "definition",
                IndicatorUpdate,
                data,
                port.amend_indicator,
            )
        except Refused as refused:
            return refused.response

    @router.post("/admin/indicators/{code:path}/lead", response_class=HTMLResponse)
    def lead(request: Request, code: str, fields: Fields) -> Response:
        """The lead organisation and the named lead."""
        data = {
            "lead_organisation": fields.get("lead_organisation") or None,
            "named_lead": _lead(fields),
        }
        try:
            return change(
                request, code, fields, "lead-", "lead", LeadIn, data, port.set_lead
            )
        except Refused as refused:
            return refused.response

    @router.post("/admin/indicators/{code:path}/baseline", response_class=HTMLResponse)
    def baseline(request: Request, code: str, fields: Fields) -> Response:
        """The baseline value and the period it is for."""
        data = {
            "value": number_or_text(fields.get("value", "")),
            "period_end": fields.get("period_end", ""),
        }
        try:
            return change(
                request,
                code,
                fields,
                "base-",
                "baseline",
                PointIn,
                data,
                port.set_baseline,
            )
        except Refused as refused:
            return refused.response

    @router.post("/admin/indicators/{code:path}/target", response_class=HTMLResponse)
    def target(request: Request, code: str, fields: Fields) -> Response:
        """The target, when it is due, and why it was agreed or revised."""
        data = {
            "value": number_or_text(fields.get("value", "")),
            "period_end": fields.get("period_end") or None,
            "reason": fields.get("reason") or None,
        }
        missing = (
            {"reason": "Reason for the target: say why it was agreed or revised"}
            if not fields.get("reason")
            else {}
        )
        try:
            return change(
                request,
                code,
                fields,
                "target-",
                "target",
                TargetIn,
                data,
                port.set_target,
                missing,
            )
        except Refused as refused:
            return refused.response

    @router.post(
        "/admin/indicators/{code:path}/milestones", response_class=HTMLResponse
    )
    def milestones(request: Request, code: str, fields: Fields) -> Response:
        """The interim targets."""
        points, problem = _milestones(fields.get("milestones", ""))
        errors = {"milestones": problem} if problem else {}
        data = {"milestones": points or []}
        try:
            return change(
                request,
                code,
                fields,
                "ms-",
                "milestones",
                MilestonesIn,
                data,
                port.set_milestones,
                errors,
            )
        except Refused as refused:
            return refused.response

    @router.post("/admin/indicators/{code:path}/retire", response_class=HTMLResponse)
    def retire(request: Request, code: str, fields: Fields) -> Response:
        """Withdraw the indicator from the framework (its history is kept)."""
        data = {"reason": fields.get("reason") or None}
        try:
            return change(
                request,
                code,
                fields,
                "retire-",
                "retirement",
                RetireIn,
                data,
                port.retire_indicator,
            )
        except Refused as refused:
            return refused.response

    return router
