"""The page renderer: one Jinja2 environment, the shared context, error pages."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.engine import Engine

from services.reporting.reports.narrative import plan_of
from shared.http.auth import TokenStore
from shared.http.deps import record_refusal
from shared.http.sessions import SessionStore
from shared.http.throttle import SlidingWindow
from shared.settings import Settings

from . import labels
from .credentials import SealedCredentials, acting_as
from .drafts import DraftStore
from .port import EmbeddedWeb, WebPort
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


@dataclass(frozen=True)
class Access:
    """Who may sign in and how: the token database, the sessions made from it,
    the sign-in throttle and, in distributed mode, each session's sealed
    credential (what the pages send to the services on the visitor's behalf).
    ``drafts`` is the database of the return-sheet drafts."""

    tokens: TokenStore
    sessions: SessionStore
    login_throttle: SlidingWindow
    drafts: Engine
    credentials: SealedCredentials | None = None


class Web:
    """What every page handler needs: the port, the templates, the visitor."""

    def __init__(
        self,
        port: WebPort,
        settings: Settings,
        access: Access,
    ) -> None:
        self.port = port
        self.settings = settings
        self.access = access
        self.env = make_environment()
        self._plan: tuple[int, dict[str, str | None]] | None = None

    @classmethod
    def embedded(cls, system: EmbeddedSystem) -> Web:
        """The pages of an embedded system: everything in this process."""
        access = Access(
            system.tokens, system.sessions, system.login_throttle, system.engine
        )
        DraftStore(system.engine).create_schema()  # the database is up by now
        return cls(EmbeddedWeb(system), system.settings, access)

    def plan(self) -> dict[str, str | None]:
        """The plan's name and years (from the framework settings, else from its
        targets), worked out again only when the read models have moved."""
        moved = self.port.moved()
        if self._plan is None or self._plan[0] != moved:
            try:
                now = self.port.framework()
            except Exception:  # a page must not fail for its footer
                return plan_of({}, [])
            self._plan = (moved, plan_of(now["settings"] or {}, now["indicators"]))
        return self._plan[1]

    def visitor(self, request: Request) -> Visitor:
        """Whoever sent the request (anonymous when not signed in).

        In distributed mode the visitor's credential is unsealed here, and
        what the port sends while this request is served goes on their behalf.
        """
        who = visitor_of(request, self.access.sessions)
        if self.access.credentials is not None:
            sealed = self.access.credentials
            acting_as(sealed.unseal(who.token) if who.signed_in else None)
        return who

    def reader_token(self, request: Request) -> str | None:
        """The signed-in visitor's token, from their session (distributed mode:
        the gateway sends it with their reads of the API, such as papers)."""
        if self.access.credentials is None:
            return None
        who = visitor_of(request, self.access.sessions)
        return self.access.credentials.unseal(who.token) if who.signed_in else None

    def reader(self, request: Request) -> Visitor:
        """The visitor of a read page; sends them to sign in if reads need it."""
        who = self.visitor(request)
        if not who.signed_in and not self.settings.anonymous_reads:
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
            council=self.settings.council_name,
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
