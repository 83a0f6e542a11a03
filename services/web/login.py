"""Signing in with an API token or a personal e-mail link, and signing out.

Sign-in is throttled per client address (``PMF_LOGIN_ATTEMPTS`` failures
within ``PMF_LOGIN_WINDOW_SECONDS``, then 429 with ``Retry-After``), and every
sign-in, failure, throttled attempt and sign-out goes into the access trail
with the token id when one is known.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from shared.http.access_audit import AccessKind
from shared.http.auth import MACHINE_ROLES, Principal
from shared.http.deps import client_address

from .forms import form_fields
from .rendering import Web
from .session import Visitor, check_origin, end_session, safe_next, start_session

Fields = Annotated[dict[str, str], Depends(form_fields)]
MAX_TOKEN = 200


def routes(web: Web) -> APIRouter:
    """``/login``, ``/login/link`` and ``/logout``."""
    router = APIRouter()
    access = web.access

    def record(
        request: Request,
        kind: AccessKind,
        who: Principal | None = None,
        detail: str | None = None,
        status: int | None = None,
    ) -> None:
        access.tokens.audit.record(
            kind,
            actor=who.actor if who else None,
            token_id=who.token_id if who else None,
            client=client_address(request),
            method=request.method,
            path=request.url.path,
            status=status,
            detail=detail,
        )

    def throttled(request: Request, template_next: str) -> Response | None:
        """The 429 page when this address has failed too often, else None."""
        wait = access.login_throttle.retry_after(client_address(request))
        if wait is None:
            return None
        record(request, "sign-in-throttled", status=429)
        minutes = max(1, round(wait / 60))
        response = web.page(
            request,
            web.visitor(request),
            "login.html",
            status_code=429,
            title="Sign in",
            next=template_next,
            errors={
                "token": "There have been too many failed attempts to sign in from "
                f"this address: try again in {minutes} minute"
                f"{'' if minutes == 1 else 's'}"
            },
        )
        response.headers["Retry-After"] = str(wait)
        return response

    def failed(request: Request, reason: str, who: Principal | None = None) -> None:
        access.login_throttle.hit(client_address(request))
        record(request, "sign-in-failed", who, reason)

    def begin(response: Response, request: Request, who: Principal, token: str) -> None:
        """End any session the browser had, start a new one, and record it."""
        earlier = request.cookies.get("pmf_session")
        access.sessions.end(earlier)
        session_id, lasts = access.sessions.start(who)
        if access.credentials is not None:  # distributed: see credentials.py
            access.credentials.forget(earlier)
            access.credentials.keep(session_id, token)
        start_session(response, request, session_id, lasts)
        record(request, "sign-in", who)

    @router.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str = "/") -> HTMLResponse:
        """The sign-in form."""
        who = web.visitor(request)
        return web.page(
            request,
            who,
            "login.html",
            title="Sign in",
            next=safe_next(next),
            errors={},
        )

    @router.post("/login", response_class=HTMLResponse)
    def login(request: Request, fields: Fields) -> Response:
        """Check the token and start a session, or show the form with the error."""
        check_origin(request)
        token = fields.get("token", "")
        target = safe_next(fields.get("next"))
        refused = throttled(request, target)
        if refused is not None:
            return refused
        found = access.tokens.resolve(token) if 0 < len(token) <= MAX_TOKEN else None
        error = None
        if not token:
            error = "Enter your access token"
        elif found is None:
            error = "This token is not recognised or has been revoked"
            failed(request, "unknown, revoked or expired token")
        elif found.role in MACHINE_ROLES:
            error = (
                f"{found.role.capitalize()} tokens are for machines: sign in with a "
                "personal token"
            )
            failed(request, f"{found.role} token", found)
        if error or found is None:
            return web.page(
                request,
                web.visitor(request),
                "login.html",
                status_code=422,
                title="Sign in",
                next=target,
                errors={"token": error},
            )
        response = RedirectResponse(target, status_code=303)
        begin(response, request, found, token)
        return response

    @router.get("/login/link", response_class=HTMLResponse)
    def login_link(request: Request, token: str = "") -> Response:
        """A lead's personal link from an e-mail: sign in for its round only.

        The answer is a page that moves on to the round at once, not a
        redirect: the link is followed from a mail client (another site), and
        a browser withholds the strict session cookie from the rest of a
        redirect chain that began elsewhere.
        """
        refused = throttled(request, "/")
        if refused is not None:
            return refused
        found = access.tokens.resolve(token) if 0 < len(token) <= MAX_TOKEN else None
        if found is None or found.round_id is None:
            failed(request, "personal link not recognised or expired", found)
            return web.page(
                request,
                web.visitor(request),
                "login.html",
                status_code=400,
                title="Sign in",
                next="/",
                errors={
                    "token": "This link has expired or is not recognised: sign in "
                    "with your access token, or ask the central performance team "
                    "for a new link"
                },
            )
        target = f"/rounds/{quote(found.round_id, safe='')}#return-form"
        response = web.page(
            request,
            Visitor(found, None),
            "link.html",
            title="Signed in",
            target=target,
        )
        begin(response, request, found, token)
        response.headers["Referrer-Policy"] = "no-referrer"  # keep the token private
        return response

    @router.post("/logout")
    def logout(request: Request, fields: Fields) -> Response:
        """End the session on the server and in the browser (the token stays valid
        for the API)."""
        check_origin(request)
        who = web.visitor(request)
        if access.sessions.end(who.token):
            record(request, "sign-out", who.principal)
        if access.credentials is not None:
            access.credentials.forget(who.token)
        response = RedirectResponse("/", status_code=303)
        end_session(response)
        return response

    return router
