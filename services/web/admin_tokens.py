"""Admin: issue and revoke access tokens and a lead's personal sign-in link.

A new token or link is shown once, on the page that answers the form (never
in an address, so it stays out of histories and logs); only its hash is kept.
A personal link is the kind the e-mails carry: a lead token for one round
that stops working at the end of the day chosen. The page builds the link
from the address the admin is using, which is the address leads reach too in
embedded mode.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from shared.errors import DomainError
from shared.http.schemas import Body, Email, Name, PlanDate

from .admin_common import AdminWeb, Refused, build, done, refusal
from .forms import Errors, form_fields

Fields = Annotated[dict[str, str], Depends(form_fields)]
PERSON_ROLES = {
    "admin": "Central team (admin)",
    "lead": "Indicator lead",
    "executive": "Executive member",
    "viewer": "Viewer (reads only)",
    "system": "LAA feed (machine)",
    "metrics": "Metrics scraper (machine)",
}
LINK_DAYS = 14  # a link lasts two weeks unless the admin chooses otherwise
LABELS = {
    "role": "Role",
    "name": "Name",
    "lead_email": "Lead's e-mail",
    "round_id": "Round",
    "expires_on": "Works until",
}


class TokenForm(Body):
    """A token to issue (a lead needs the e-mail their indicators name)."""

    role: Literal["admin", "lead", "executive", "viewer", "system", "metrics"]
    name: Name
    lead_email: Email | None = None


class LinkForm(Body):
    """A personal sign-in link for a lead and one round."""

    name: Name
    lead_email: Email
    round_id: Annotated[str, Name]
    expires_on: PlanDate


def routes(admin_web: AdminWeb) -> APIRouter:
    """``/admin/tokens``: issue, link and revoke."""
    router = APIRouter()
    port = admin_web.port

    def show(
        request: Request,
        values: dict[str, str] | None = None,
        errors: Errors | None = None,
        notice: str = "",
        issued: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        admin = admin_web.admin(request)
        open_rounds = [r for r in port.rounds() if not r["closed"]]
        default_until = (date.today() + timedelta(days=LINK_DAYS)).isoformat()
        return admin_web.page(
            request,
            admin,
            "admin_tokens.html",
            status_code=status_code,
            title="Access tokens and sign-in links",
            tokens=list(reversed(port.tokens())),
            rounds={r["id"]: r["id"] for r in open_rounds},
            values={"link-expires_on": default_until, **(values or {})},
            errors=errors or {},
            notice=notice,
            issued=issued,
            PERSON_ROLES=PERSON_ROLES,
            my_token=admin.principal.token_id,
        )

    @router.get("/admin/tokens", response_class=HTMLResponse)
    def tokens_page(request: Request, revoked: str = "") -> Response:
        """Every token (never the token itself), and the forms."""
        try:
            notice = f"Token {revoked[:16]} is revoked." if revoked else ""
            return show(request, notice=notice)
        except Refused as refused:
            return refused.response

    @router.post("/admin/tokens", response_class=HTMLResponse)
    def issue(request: Request, fields: Fields) -> Response:
        """Issue a token and show it once."""
        try:
            admin = admin_web.poster(request, fields)
            data = {
                "role": fields.get("role", ""),
                "name": fields.get("name", ""),
                "lead_email": fields.get("lead_email") or None,
            }
            body, errors = build(TokenForm, data, None, LABELS)
            if body is not None and body.role == "lead" and not body.lead_email:
                errors = {
                    "lead_email": "Lead's e-mail: enter the address the lead's "
                    "indicators name, so they can send returns for them"
                }
            if body is not None and not errors:
                try:
                    token = port.issue_token(
                        body.role, body.name, body.lead_email, admin.principal
                    )
                except DomainError as exc:
                    return show(request, fields, refusal(exc, "role"))
                issued = {"what": f"{PERSON_ROLES[body.role]} token for {body.name}"}
                issued["token"] = token
                return show(request, issued=issued, status_code=201)
            return show(request, fields, errors)
        except Refused as refused:
            return refused.response

    @router.post("/admin/tokens/link", response_class=HTMLResponse)
    def link(request: Request, fields: Fields) -> Response:
        """Make a lead's personal sign-in link for a round and show it once."""
        try:
            admin = admin_web.poster(request, fields)
            data = {
                name: fields.get(name, "")
                for name in ("name", "lead_email", "round_id", "expires_on")
            }
            prefixed = {f"link-{k}": v for k, v in data.items()}
            body, errors = build(LinkForm, data, None, LABELS)
            if body is not None and body.expires_on < date.today():
                errors = {"expires_on": "Works until: choose today or a later day"}
            if body is not None and not errors:
                until = datetime.combine(
                    body.expires_on + timedelta(days=1), time(), tzinfo=UTC
                )
                try:
                    token = port.issue_link(
                        body.name,
                        body.lead_email,
                        body.round_id,
                        until,
                        admin.principal,
                    )
                except DomainError as exc:
                    errors = refusal(exc, "round_id")
                else:
                    base = str(request.base_url).rstrip("/")
                    issued = {
                        "what": f"Sign-in link for {body.name}, round "
                        f"{body.round_id}, working until the end of "
                        f"{body.expires_on.isoformat()}",
                        "link": f"{base}/login/link?token={quote(token, safe='')}",
                    }
                    return show(request, issued=issued, status_code=201)
            keyed = {f"link-{k}": v for k, v in errors.items()}
            return show(request, prefixed, keyed)
        except Refused as refused:
            return refused.response

    @router.post("/admin/tokens/{token_id}/revoke", response_class=HTMLResponse)
    def revoke(request: Request, token_id: str, fields: Fields) -> Response:
        """Revoke a token; its sessions end with it."""
        try:
            admin = admin_web.poster(request, fields)
            if not port.revoke_token(token_id[:16], admin.principal):
                return show(
                    request,
                    errors={
                        "tokens-title": f"Token {token_id[:16]} is unknown or "
                        "already revoked"
                    },
                )
            return done(f"/admin/tokens?revoked={quote(token_id[:16], safe='')}")
        except Refused as refused:
            return refused.response

    return router
