"""The staff pages in distributed mode, as ``pmf serve web`` serves them.

The same pages as ``pmf run``, over :class:`~services.web.http_port.HttpWeb`:
every read and command goes to the service that owns its route, with the
signed-in visitor's own token. What a page needs besides the services lives
in the token database the services share (``PMF_AUTH_DATABASE_URL``):

- the tokens (checked at sign-in, listed and issued on the admin token page),
- the web sessions (``web_sessions``, as in embedded mode) and each session's
  sealed credential (``web_session_credentials``, see ``credentials.py``),
- the return-sheet drafts (``web_return_drafts``), in the web service's own
  database when ``PMF_DATABASE_URL`` names one, else beside the sessions.

So any number of web services may run side by side behind one address: none
keeps anything a visitor needs in its memory, except the sign-in throttle,
which counts failures per process.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta

from fastapi import APIRouter

from shared.eventstore.engine import make_engine
from shared.http.auth import TokenStore
from shared.http.sessions import SessionStore
from shared.http.throttle import SlidingWindow
from shared.settings import Settings
from shared.startup import Step

from .credentials import SealedCredentials
from .drafts import DraftStore
from .http_port import HttpWeb
from .rendering import Access, Web
from .routes import web_router

log = logging.getLogger(__name__)

#: The startup step that makes the token database's tables.
TOKEN_DATABASE = "token database"


def distributed_web(settings: Settings, urls: Mapping[str, str]) -> Web | None:
    """The pages' renderer over the services at ``urls``; None without a token
    database (the gateway then serves the API alone).

    Nothing here touches a database: the tables are made by
    :func:`startup_steps`, run in the background once HTTP is up.
    """
    if not settings.auth_database_url:
        log.warning(
            "PMF_AUTH_DATABASE_URL is not set: serving the API only; the staff "
            "pages need the token database the services share"
        )
        return None
    engine = make_engine(settings.auth_database_url)
    tokens = TokenStore(engine)
    sessions = SessionStore(engine, tokens, timedelta(hours=settings.session_hours))
    credentials = SealedCredentials(engine)
    drafts = make_engine(settings.database_url) if settings.database_url else engine
    access = Access(
        tokens,
        sessions,
        SlidingWindow(settings.login_attempts, settings.login_window_seconds),
        drafts,
        credentials,
    )
    return Web(HttpWeb(urls, tokens), settings, access)


def startup_steps(web: Web) -> list[Step]:
    """What the pages need made before they can serve: the tables of the token
    database (tokens, sessions, sealed credentials) and of the drafts' database.

    Run by :class:`~shared.startup.Startup`, so a database that is away when
    the web service starts is waited for, not a reason to exit.
    """
    access = web.access
    drafts = DraftStore(access.drafts)
    own_drafts = access.drafts is not access.sessions.engine

    def token_database() -> None:
        access.tokens.create_schema()
        access.sessions.create_schema()
        if access.credentials is not None:
            access.credentials.create_schema()
        if not own_drafts:
            drafts.create_schema()

    steps = [Step(TOKEN_DATABASE, token_database, "the token database")]
    if own_drafts:
        steps.append(
            Step("drafts database", drafts.create_schema, "the drafts database")
        )
    return steps


def distributed_pages(web: Web) -> APIRouter:
    """Every staff page, the stylesheet and the script, over ``web``'s port."""
    return web_router(web)


__all__ = ["TOKEN_DATABASE", "distributed_pages", "distributed_web", "startup_steps"]
