"""Links to every round's Executive and Board reports in every format."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from .rendering import Web

FORMATS = (
    ("html", "Web page (HTML)"),
    ("pdf", "PDF"),
    ("docx", "Word (DOCX)"),
    ("xlsx", "Excel (XLSX)"),
    ("json", "Data (JSON)"),
)
KINDS = (
    ("executive", "Executive report", "October and April: every indicator"),
    ("board", "CYP Board report", "November and May: the covering paper"),
)


def routes(web: Web) -> APIRouter:
    """``/reports``."""
    router = APIRouter()

    @router.get("/reports", response_class=HTMLResponse)
    def reports_page(request: Request) -> HTMLResponse:
        """The reports of each round, linked in every format the API renders."""
        who = web.reader(request)
        return web.page(
            request,
            who,
            "reports.html",
            title="Reports",
            rounds=web.port.rounds(),
            formats=FORMATS,
            kinds=KINDS,
        )

    return router
