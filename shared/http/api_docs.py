"""``/docs``: Swagger UI served from this process, never from a CDN.

A council network often has no route to the internet, and FastAPI's own page
loads Swagger UI from a public CDN, so it would be blank there. The assets come
from the ``fastapi-offline`` package (pinned in constraints.txt); the start-up
script is a file of ours rather than an inline script, so the page works under
the strict Content-Security-Policy (see ``security_headers``).
"""

from __future__ import annotations

import html
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse

SWAGGER_UI = Path(fastapi_offline.__file__).parent / "static"
OURS = Path(__file__).parent / "static"
ASSETS: dict[str, tuple[Path, str]] = {
    "swagger-ui.css": (SWAGGER_UI / "swagger-ui.css", "text/css"),
    "swagger-ui-bundle.js": (SWAGGER_UI / "swagger-ui-bundle.js", "text/javascript"),
    "favicon.png": (SWAGGER_UI / "favicon.png", "image/png"),
    "api-docs.js": (OURS / "api-docs.js", "text/javascript"),
}


def docs_page(title: str) -> str:
    """The HTML of the Swagger UI page."""
    return f"""<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}: API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/assets/favicon.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/api-docs.js"></script>
</body>
</html>
"""


def build_docs_router(title: str) -> APIRouter:
    """``/docs`` and its assets, left out of the OpenAPI document."""
    router = APIRouter(include_in_schema=False)
    page = docs_page(title)

    @router.get("/docs")
    def docs() -> HTMLResponse:
        """Swagger UI over ``/openapi.json``."""
        return HTMLResponse(page)

    @router.get("/docs/assets/{name}")
    def asset(name: str) -> FileResponse:
        """Swagger UI's files and our start-up script (cached for a day)."""
        if name not in ASSETS:
            raise HTTPException(404, "No such file")
        path, media_type = ASSETS[name]
        return FileResponse(
            path,
            media_type=media_type,
            headers={"Cache-Control": "public, max-age=86400"},
        )

    return router
