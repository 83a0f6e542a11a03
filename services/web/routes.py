"""The web router: every staff page, the stylesheet and the script."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from . import equalities, framework, indicator, login, reports, rounds, versions
from .admin_routes import admin_routes
from .rendering import STATIC, Web

if TYPE_CHECKING:
    from services.embedded import EmbeddedSystem

STATIC_FILES = {
    "web.css": "text/css",
    "web.js": "text/javascript",
    "admin.css": "text/css",
}


def build_web_router(system: EmbeddedSystem) -> APIRouter:
    """The staff web pages of an embedded ``system``, left out of the OpenAPI
    schema."""
    return web_router(Web.embedded(system))


def web_router(web: Web) -> APIRouter:
    """The staff web pages over ``web``'s port (embedded or distributed)."""
    router = APIRouter(include_in_schema=False)
    for module in (
        framework,
        indicator,
        equalities,
        rounds,
        versions,
        reports,
        login,
    ):
        router.include_router(module.routes(web))
    router.include_router(admin_routes(web))

    @router.get("/static/{name}")
    def static(name: str) -> FileResponse:
        """The stylesheet and the script (cached for an hour)."""
        if name not in STATIC_FILES:
            raise HTTPException(404, "No such file")
        return FileResponse(
            STATIC / name,
            media_type=STATIC_FILES[name],
            headers={"Cache-Control": "public, max-age=3600"},
        )

    return router
