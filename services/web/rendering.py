"""The page renderer: one Jinja2 environment, the shared context, error pages."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.reporting.reports.narrative import plan_of
from shared.http.deps import record_refusal

from . import labels
from .session import Visitor, login_redirect, visitor_of

if TYPE_CHECKING:
    from services.embedded import EmbeddedSystem

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


def path_part(value: str) -> str:
    """A value quoted for one URL path segment ('NI 50' -> 'NI%2050')."""
    return quote(str(value), safe="")


def query_part(value: str) -> str:
    """A value quoted for a query string."""
    return quote(str(value), safe="")


def make_environment() -> Environment:
    """The Jinja2 environment with the label filters every template uses."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        status_words=labels.status_words,
        number=labels.number,
        figure=labels.figure,
        day=labels.day,
        moment=labels.moment,
        actor=labels.actor,
        lead_name=labels.lead_name,
        path_part=path_part,
        query_part=query_part,
    )
    env.globals.update(
        STATUSES=labels.STATUSES,
        STATUS_WORDS=labels.STATUS_WORDS,
        DIRECTIONS=labels.DIRECTIONS,
        PREDICTIONS=labels.PREDICTIONS,
        DECISIONS=labels.DECISIONS,
        FLAG_TITLES=labels.FLAG_TITLES,
        COMPARISON_FLAG_TITLES=labels.COMPARISON_FLAG_TITLES,
        UNITS=labels.UNITS,
        POLARITIES=labels.POLARITIES,
        FREQUENCIES=labels.FREQUENCIES,
        ACTION_STATUS=labels.ACTION_STATUS,
        ROLES=labels.ROLES,
    )
    return env


class Web:
    """What every page handler needs: the system, the templates, the visitor."""

    def __init__(self, system: EmbeddedSystem) -> None:
        self.system = system
        self.env = make_environment()
        self._plan: tuple[int, dict[str, str | None]] | None = None

    def plan(self) -> dict[str, str | None]:
        """The plan's name and years (from the framework settings, else from its
        targets), worked out again only when the read models have moved."""
        moved = self.system.read_models_moved
        if self._plan is None or self._plan[0] != moved:
            try:
                now = self.system.framework.current()
            except Exception:  # a page must not fail for its footer
                return plan_of({}, [])
            self._plan = (moved, plan_of(now["settings"] or {}, now["indicators"]))
        return self._plan[1]

    def visitor(self, request: Request) -> Visitor:
        """Whoever sent the request (anonymous when not signed in)."""
        return visitor_of(request, self.system.sessions)

    def reader(self, request: Request) -> Visitor:
        """The visitor of a read page; sends them to sign in if reads need it."""
        who = self.visitor(request)
        if not who.signed_in and not self.system.settings.anonymous_reads:
            raise login_redirect(request)
        return who

    def page(
        self,
        request: Request,
        who: Visitor,
        template: str,
        status_code: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        """Render ``template`` with the shared context around ``context``."""
        html = self.env.get_template(template).render(
            request_path=request.url.path,
            council=self.system.settings.council_name,
            plan=self.plan(),
            who=who,
            **context,
        )
        headers = {"Cache-Control": "no-store"} if who.signed_in else {}
        return HTMLResponse(html, status_code=status_code, headers=headers)

    def problem_page(
        self, request: Request, who: Visitor, status_code: int, title: str, detail: str
    ) -> HTMLResponse:
        """A plain page for a missing thing or a refused action (which goes into
        the access trail)."""
        if status_code in (401, 403):
            request.state.principal = who.principal
            record_refusal(request, status_code, detail)
        return self.page(
            request,
            who,
            "problem.html",
            status_code=status_code,
            title=title,
            detail=detail,
        )
