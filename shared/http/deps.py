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
from shared.http.auth import ANONYMOUS, Principal, Role, TokenStore

audit_log = logging.getLogger("pmf.audit")


def principal(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> Principal:
    """The caller, from a bearer token; anonymous readers when none is given.

    For reads only, the web pages' session cookie (which holds the same token)
    also identifies the caller, so a signed-in person can open report links.
    Writes through the API always need the header, which a browser never sends
    on its own: no cross-site request can write.
    """
    if not authorization:
        cookie = request.cookies.get("pmf_session")
        if cookie and request.method in ("GET", "HEAD"):
            tokens_: TokenStore | None = request.app.state.tokens
            found_ = tokens_.resolve(cookie) if tokens_ else None
            if found_ is not None:
                return found_
        return ANONYMOUS
    scheme, _, token = authorization.partition(" ")
    tokens: TokenStore | None = request.app.state.tokens
    found = (
        tokens.resolve(token.strip()) if tokens and scheme.lower() == "bearer" else None
    )
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
    """Reads are open to every role, and to anyone when anonymous reads are on."""
    if who is ANONYMOUS and not request.app.state.anonymous_reads:
        raise HTTPException(
            401, "Reading needs a bearer token", headers={"WWW-Authenticate": "Bearer"}
        )
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
