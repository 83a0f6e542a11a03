"""Who is looking at a page: the session cookie, form tokens and what they may do.

See the package docstring for how sessions work and how forms are protected
against cross-site requests.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import HTTPException, Request, Response

from shared.http.auth import MACHINE_ROLES, Principal
from shared.http.deps import SESSION_COOKIE
from shared.http.sessions import SessionStore

_CSRF_LABEL = b"pmf-web-form"


@dataclass(frozen=True)
class Visitor:
    """The person behind a request: signed in (with a session), or anonymous."""

    principal: Principal | None = None
    token: str | None = None  # the session id from the cookie

    @property
    def signed_in(self) -> bool:
        """Whether a valid session came with the request."""
        return self.principal is not None

    @property
    def role(self) -> str | None:
        """The signed-in role, or None."""
        return self.principal.role if self.principal else None

    @property
    def csrf(self) -> str:
        """The form token for this session (empty when anonymous)."""
        if not self.token:
            return ""
        return hmac.new(self.token.encode(), _CSRF_LABEL, hashlib.sha256).hexdigest()

    def form_is_genuine(self, sent: str | None) -> bool:
        """Whether a posted ``csrf`` field matches this session's token."""
        return bool(self.token and sent) and hmac.compare_digest(self.csrf, sent or "")

    def may_submit_for(self, indicator: dict[str, Any]) -> bool:
        """Admins may enter any return; a lead only for indicators they lead."""
        if self.principal is None or indicator.get("retired"):
            return False
        if self.principal.role == "admin":
            return True
        if self.principal.role != "lead" or not self.principal.lead_email:
            return False
        email = (indicator.get("named_lead") or {}).get("email") or ""
        return email.lower() == self.principal.lead_email.lower()

    @property
    def may_decide(self) -> bool:
        """Only the Executive records challenge decisions."""
        return self.role == "executive"

    @property
    def lead_email(self) -> str | None:
        """The email a lead's returns are checked against (None for other roles)."""
        if self.principal is None or self.principal.role != "lead":
            return None
        return self.principal.lead_email or ""


def visitor_of(request: Request, sessions: SessionStore) -> Visitor:
    """The visitor from the ``pmf_session`` cookie (anonymous when absent or stale)."""
    session_id = request.cookies.get(SESSION_COOKIE)
    session = sessions.resolve(session_id)
    if session is None or session.principal.role in MACHINE_ROLES:
        return Visitor()
    return Visitor(session.principal, session_id)


def start_session(
    response: Response, request: Request, session_id: str, lasts: int
) -> None:
    """Set the session cookie on ``response``; the browser drops it after ``lasts``
    seconds (the server ends the session then too)."""
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=lasts,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


def end_session(response: Response) -> None:
    """Clear the session cookie."""
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")


def check_origin(request: Request) -> None:
    """Refuse a POST whose ``Origin`` (or ``Referer``) names another site."""
    sent = request.headers.get("origin") or request.headers.get("referer")
    if not sent or sent == "null":
        return
    if urlsplit(sent).netloc != request.headers.get("host", ""):
        raise HTTPException(403, "This form was sent from another site")


def login_redirect(request: Request, back: str | None = None) -> HTTPException:
    """A 303 to the sign-in page that comes back to ``back`` (or here) afterwards."""
    here = back or request.url.path + (
        f"?{request.url.query}" if request.url.query else ""
    )
    return HTTPException(
        303, "Sign in first", headers={"Location": f"/login?next={quote(here)}"}
    )


def safe_next(target: str | None) -> str:
    """A local path to return to after signing in (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target or any(ord(c) < 32 for c in target):
        return "/"
    return target
