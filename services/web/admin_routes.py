"""The admin pages under ``/admin``: the central team runs the cycle from here.

Every page is for the ``admin`` role only, signed in with the same session as
the other staff pages, and every form carries the session's ``csrf`` field.
The pages read and send through :class:`services.web.admin_port.AdminPort`.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from . import (
    admin_actions,
    admin_framework,
    admin_import,
    admin_indicators,
    admin_papers,
    admin_rounds,
    admin_tokens,
)
from .admin_common import AdminWeb, Refused
from .admin_port import AdminPort
from .rendering import Web


def admin_routes(web: Web, port: AdminPort | None = None) -> APIRouter:
    """Every ``/admin`` page, reading and sending through ``port`` (in-process
    by default)."""
    admin_web = AdminWeb(web, port)
    router = APIRouter()

    @router.get("/admin", response_class=HTMLResponse)
    def admin_home(request: Request) -> Response:
        """What the central team can do, in the order of the cycle."""
        try:
            admin = admin_web.admin(request)
        except Refused as refused:
            return refused.response
        return admin_web.page(request, admin, "admin_home.html", title="Admin")

    for module in (
        admin_import,
        admin_indicators,
        admin_framework,
        admin_rounds,
        admin_actions,
        admin_papers,
        admin_tokens,
    ):
        router.include_router(module.routes(admin_web))
    return router
