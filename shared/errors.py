"""Errors that commands raise and the HTTP edge maps to problem+json.

The domain raises these; it never knows about HTTP. ``shared.http.problems``
maps each to its status code (404, 422, 409, ...).
"""

from __future__ import annotations


class DomainError(Exception):
    """Base class: a command could not be carried out, with a reason for people."""

    title = "Request could not be processed"

    def __init__(self, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


class NotFound(DomainError):
    """The thing named does not exist (HTTP 404)."""

    title = "Not found"


class Invalid(DomainError):
    """The input breaks a rule (HTTP 422); ``field`` names the offending field."""

    title = "Invalid input"


class Conflict(DomainError):
    """The state changed since the caller read it, or a duplicate (HTTP 409)."""

    title = "Conflict"


class ConcurrencyConflict(Conflict):
    """An append carried a stale expected stream version."""

    title = "Stale version"
