"""FastAPI dependencies shared by every service's routes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request

from shared.errors import Invalid
from shared.events.envelope import utc_now
from shared.http.auth import ANONYMOUS, MACHINE_ROLES, Principal, Role, TokenStore
from shared.http.sessions import SessionStore

audit_log = logging.getLogger("pmf.audit")
SESSION_COOKIE = "pmf_session"


def client_address(request: Request) -> str:
    """The caller's address as the server sees it (the proxy's, behind one)."""
    return request.client.host if request.client else "unknown"


def record_refusal(request: Request, status: int, detail: str) -> None:
    """Put a refused request (401 or 403) in the access trail, with who sent it."""
    tokens: TokenStore | None = getattr(request.app.state, "tokens", None)
    if tokens is None:
        return
    who: Principal | None = getattr(request.state, "principal", None)
    known = who is not None and who is not ANONYMOUS
    tokens.audit.record(
        "refused",
        actor=who.actor if known and who else None,
        token_id=who.token_id if known and who else None,
        client=client_address(request),
        method=request.method,
        path=request.url.path,
        status=status,
        detail=detail,
    )


def bearer_principal(request: Request, authorization: str) -> Principal | None:
    """The principal of an ``Authorization: Bearer`` header, or None."""
    scheme, _, token = authorization.partition(" ")
    tokens: TokenStore | None = request.app.state.tokens
    token = token.strip()
    if not tokens or scheme.lower() != "bearer" or not 0 < len(token) <= 200:
        return None
    return tokens.resolve(token)


def principal(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> Principal:
    """The caller, from a bearer token; anonymous readers when none is given.

    For reads only, the web pages' session cookie also identifies the caller,
    so a signed-in person can open report links. Writes through the API always
    need the header, which a browser never sends on its own: no cross-site
    request can write.
    """
    if not authorization:
        cookie = request.cookies.get(SESSION_COOKIE)
        sessions: SessionStore | None = getattr(request.app.state, "sessions", None)
        if cookie and sessions and request.method in ("GET", "HEAD"):
            session = sessions.resolve(cookie)
            if session is not None and session.principal.role not in MACHINE_ROLES:
                request.state.principal = session.principal
                return session.principal
        return ANONYMOUS
    found = bearer_principal(request, authorization)
    request.state.principal = found
    if found is None:
        audit_log.warning(
            "refused: invalid token for %s %s", request.method, request.url.path
        )
        raise HTTPException(
            401,
            "The bearer token is missing or not valid",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return found


CurrentPrincipal = Annotated[Principal, Depends(principal)]


def read_access(request: Request, who: CurrentPrincipal) -> Principal:
    """Reads are open to every person's role, and to anyone when anonymous reads
    are on; a metrics token is for ``/metrics`` only."""
    if who is ANONYMOUS and not request.app.state.anonymous_reads:
        raise HTTPException(
            401, "Reading needs a bearer token", headers={"WWW-Authenticate": "Bearer"}
        )
    if who.role == "metrics":
        raise HTTPException(403, "A metrics token may read /metrics only")
    return who


OCCURRED_AT_PATTERN = (
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?"
    r"([Zz]|[+-]\d{2}:\d{2})?$"
)


def require(*roles: Role) -> Callable[[Request, Principal], Principal]:
    """A dependency that admits only callers with one of ``roles`` (deny by default).

    Only an admin may backdate a command with ``Occurred-At``: a lead who
    could would be able to make a late return look on time. A backdated
    command is written to the audit log with the date it claims.
    """

    def check(
        request: Request,
        who: CurrentPrincipal,
        # Declared as a plain string so that OpenAPI types the header as an
        # RFC 3339 date-time (an absent header is None).
        when: str = Header(
            None,
            alias="Occurred-At",
            max_length=40,
            pattern=OCCURRED_AT_PATTERN,
            json_schema_extra={"format": "date-time"},
            description="When the change took effect, if in the past (loading "
            "a council's records). Admins only; others get 403.",
        ),
    ) -> Principal:
        backdated = occurred_at(when)
        if who is ANONYMOUS:
            if request.app.state.auth_required:
                audit_log.warning(
                    "refused: no token for %s %s", request.method, request.url.path
                )
                raise HTTPException(
                    401,
                    "This needs a bearer token (create one with `pmf token create`)",
                    headers={"WWW-Authenticate": "Bearer"},
                )
            return replace(who, occurred_at=backdated)
        if who.role not in roles:
            audit_log.warning(
                "refused: %s (%s) may not %s %s",
                who.name,
                who.role,
                request.method,
                request.url.path,
            )
            raise HTTPException(
                403, f"The {who.role} role may not do this (needs {' or '.join(roles)})"
            )
        if backdated is not None:
            if who.role != "admin":
                audit_log.warning(
                    "refused: %s (%s) may not backdate %s %s",
                    who.name,
                    who.role,
                    request.method,
                    request.url.path,
                )
                raise HTTPException(
                    403, "Only an admin may backdate a change with Occurred-At"
                )
            audit_log.info(
                "backdated: %s (%s) %s %s to %s",
                who.name,
                who.role,
                request.method,
                request.url.path,
                backdated.isoformat(),
            )
        return replace(who, occurred_at=backdated)

    return check


def expected_version(
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> int | None:
    """The stream version the caller last saw, from ``If-Match`` (ETag)."""
    if if_match is None or if_match.strip() == "*":
        return None
    raw = if_match.strip().removeprefix("W/").strip('"')
    if not raw.isdigit():
        raise Invalid(
            "If-Match must be the version number (ETag) you last read", "If-Match"
        )
    return int(raw)


ExpectedVersion = Annotated[int | None, Depends(expected_version)]


def occurred_at(value: str | None) -> datetime | None:
    """When a change took effect, for loading past records (``Occurred-At``).

    Only the past may be named: the log records when it learned of the change
    anyway (``recorded_at``), so history stays truthful.
    """
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise Invalid(
            "Occurred-At must be an ISO 8601 date-time", "Occurred-At"
        ) from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if when > utc_now() + timedelta(minutes=5) or when.year < 1990:
        raise Invalid("Occurred-At must be a past date-time", "Occurred-At")
    return when
