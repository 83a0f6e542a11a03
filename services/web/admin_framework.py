"""Admin: publish a framework version, and change the framework settings."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from services.indicators.schemas import SettingsIn, VersionIn
from shared.errors import DomainError

from .admin_common import AdminWeb, Refused, build, done, number_or_text, refusal
from .forms import Errors, form_fields

Fields = Annotated[dict[str, str], Depends(form_fields)]
RAG_MODES = {
    "red_amber_green": "Red, amber and green: near misses are amber",
    "red_green": "Red and green only",
}
VERSION_LABELS = {"label": "Version name", "note": "Description"}
SETTING_LABELS = {
    "rag_mode": "Status colours",
    "amber_fraction": "Amber band",
    "significance": "Significance",
    "plan_name": "Plan name",
    "plan_start_year": "First year of the plan",
    "plan_end_year": "Last year of the plan",
    "area_code": "The council's area code",
    "region_code": "Its region's code",
    "statistical_neighbours": "Statistical neighbours",
    "equality_gap_threshold": "Equalities gap flag",
}


def settings_body(fields: dict[str, str]) -> dict[str, Any]:
    """The ``PUT /api/v1/framework/settings`` body of the form (blank: keep)."""
    body: dict[str, Any] = {}
    if fields.get("rag_mode"):
        body["rag_mode"] = fields["rag_mode"]
    for name in ("amber_fraction", "significance", "equality_gap_threshold"):
        value = number_or_text(fields.get(name, ""))
        if value is not None:
            body[name] = value
    if fields.get("plan_name", "").strip():
        body["plan_name"] = fields["plan_name"].strip()
    for name in ("plan_start_year", "plan_end_year"):
        text = fields.get(name, "").strip()
        if text:
            body[name] = int(text) if text.isdigit() and len(text) < 6 else text
    for name in ("area_code", "region_code"):
        text = fields.get(name, "").strip().upper()
        if text:
            body[name] = text
    neighbours = fields.get("statistical_neighbours", "").replace(",", " ").split()
    if neighbours:
        body["statistical_neighbours"] = [code.upper() for code in neighbours]
    return body


def routes(admin_web: AdminWeb) -> APIRouter:
    """``/admin/versions`` and ``/admin/settings``."""
    router = APIRouter()
    port = admin_web.port

    def versions_page(
        request: Request,
        values: dict[str, str] | None = None,
        errors: Errors | None = None,
        notice: str = "",
    ) -> HTMLResponse:
        admin = admin_web.admin(request)
        return admin_web.page(
            request,
            admin,
            "admin_versions.html",
            title="Publish a framework version",
            versions=list(reversed(port.versions())),
            values=values or {},
            errors=errors or {},
            notice=notice,
        )

    @router.get("/admin/versions", response_class=HTMLResponse)
    def versions(request: Request, published: str = "") -> Response:
        """Published versions and the form to publish the next."""
        try:
            notice = f"Version {published[:10]} is published." if published else ""
            return versions_page(request, notice=notice)
        except Refused as refused:
            return refused.response

    @router.post("/admin/versions", response_class=HTMLResponse)
    def publish(request: Request, fields: Fields) -> Response:
        """Publish the framework as it is now, with its description."""
        try:
            admin = admin_web.poster(request, fields)
            data = {
                "label": fields.get("label", ""),
                "note": fields.get("note") or None,
            }
            body, errors = build(VersionIn, data, None, VERSION_LABELS)
            if body is not None:
                try:
                    made = port.publish_version(body, admin.principal)
                    return done(f"/admin/versions?published={made['number']}")
                except DomainError as exc:
                    errors = refusal(exc, "label")
            return versions_page(request, fields, errors)
        except Refused as refused:
            return refused.response

    def settings_page(
        request: Request,
        values: dict[str, str] | None = None,
        errors: Errors | None = None,
        notice: str = "",
    ) -> HTMLResponse:
        admin = admin_web.admin(request)
        now = port.settings()
        shown = {
            k: ", ".join(map(str, v)) if isinstance(v, list) else str(v)
            for k, v in now.items()
        }
        return admin_web.page(
            request,
            admin,
            "admin_settings.html",
            title="Framework settings",
            settings=now,
            values={**shown, **(values or {})},
            errors=errors or {},
            notice=notice,
            RAG_MODES=RAG_MODES,
        )

    @router.get("/admin/settings", response_class=HTMLResponse)
    def settings(request: Request, saved: str = "") -> Response:
        """The settings in force, as a form."""
        try:
            notice = (
                "The settings are changed and every indicator is reassessed."
                if saved
                else ""
            )
            return settings_page(request, notice=notice)
        except Refused as refused:
            return refused.response

    @router.post("/admin/settings", response_class=HTMLResponse)
    def change(request: Request, fields: Fields) -> Response:
        """Change the settings; every indicator is reassessed."""
        try:
            admin = admin_web.poster(request, fields)
            body, errors = build(
                SettingsIn, settings_body(fields), None, SETTING_LABELS
            )
            if body is not None:
                try:
                    port.change_settings(body, admin.principal)
                    return done("/admin/settings?saved=1")
                except DomainError as exc:
                    errors = refusal(exc, "rag_mode")
            return settings_page(request, fields, errors)
        except Refused as refused:
            return refused.response

    return router
