"""Signing in with an API token or a personal e-mail link, and signing out."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from .forms import form_fields
from .rendering import Web
from .session import Visitor, check_origin, end_session, safe_next, start_session

Fields = Annotated[dict[str, str], Depends(form_fields)]


def routes(web: Web) -> APIRouter:
    """``/login``, ``/login/link`` and ``/logout``."""
    router = APIRouter()

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
        found = web.system.tokens.resolve(token) if 0 < len(token) <= 200 else None
        error = None
        if not token:
            error = "Enter your access token"
        elif found is None:
            error = "This token is not recognised or has been revoked"
        elif found.role == "system":
            error = "System tokens are for the LAA feed: sign in with a personal token"
        if error:
            who = web.visitor(request)
            return web.page(
                request,
                who,
                "login.html",
                status_code=422,
                title="Sign in",
                next=target,
                errors={"token": error},
            )
        response = RedirectResponse(target, status_code=303)
        start_session(response, request, token)
        return response

    @router.get("/login/link", response_class=HTMLResponse)
    def login_link(request: Request, token: str = "") -> Response:
        """A lead's personal link from an e-mail: sign in for its round only.

        The answer is a page that moves on to the round at once, not a
        redirect: the link is followed from a mail client (another site), and
        a browser withholds the strict session cookie from the rest of a
        redirect chain that began elsewhere.
        """
        found = web.system.tokens.resolve(token) if 0 < len(token) <= 200 else None
        if found is None or found.round_id is None:
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
            Visitor(found, token),
            "link.html",
            title="Signed in",
            target=target,
        )
        start_session(response, request, token)
        response.headers["Referrer-Policy"] = "no-referrer"  # keep the token private
        return response

    @router.post("/logout")
    def logout(request: Request, fields: Fields) -> Response:
        """End the session (the token itself stays valid for the API)."""
        check_origin(request)
        response = RedirectResponse("/", status_code=303)
        end_session(response)
        return response

    return router
