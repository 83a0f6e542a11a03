"""What every admin page shares: the admin-only door, form checks and turning
typed text into the API's request bodies with messages by field.

A form's text becomes the same pydantic body the JSON API takes, so the rules
and the words of a refusal are the API's own (``describe_validation``); only a
number or date that cannot be read as one gets a message written here, since
the API never sees text in those places.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ValidationError

from shared.errors import DomainError
from shared.http.auth import Principal
from shared.http.problems import describe_validation

from .admin_port import AdminPort
from .forms import MAX_FORM_BYTES, Errors, parse_number
from .rendering import Web
from .session import Visitor, check_origin, login_redirect

Model = TypeVar("Model", bound=BaseModel)
NOT_A_NUMBER = "Enter a number, for example 63.2"
MAX_LIST_FIELDS = 1_100  # a round's scope may tick up to 500 indicators
NOT_A_DATE = "Enter a date as year-month-day, for example 2010-03-31"


@dataclass(frozen=True)
class Admin:
    """A signed-in admin's visit: who they are and their form token."""

    visitor: Visitor
    principal: Principal


class Refused(Exception):
    """A request the admin pages answer with a page instead of going on."""

    def __init__(self, response: HTMLResponse | RedirectResponse) -> None:
        super().__init__("refused")
        self.response = response


class AdminWeb:
    """The admin pages' renderer, door and port (embedded: in this process)."""

    def __init__(self, web: Web, port: AdminPort | None = None) -> None:
        self.web = web
        self.port: AdminPort = port or web.port

    def admin(self, request: Request) -> Admin:
        """The signed-in admin, or Refused (sign in first, or not allowed)."""
        who = self.web.visitor(request)
        if not who.signed_in or who.principal is None:
            back = None if request.method == "GET" else "/admin"
            raise Refused(_redirect(login_redirect(request, back)))
        if who.role != "admin":
            raise Refused(
                self.web.problem_page(
                    request,
                    who,
                    403,
                    "Not allowed",
                    "Only the central performance team (admin) uses these pages.",
                )
            )
        return Admin(who, who.principal)

    def poster(self, request: Request, fields: Mapping[str, str]) -> Admin:
        """The admin behind a genuine form post from this site, or Refused."""
        check_origin(request)
        admin = self.admin(request)
        if not admin.visitor.form_is_genuine(fields.get("csrf")):
            raise Refused(
                self.web.problem_page(
                    request,
                    admin.visitor,
                    403,
                    "Not allowed",
                    "The form has expired: reload it and retry.",
                )
            )
        return admin

    def page(
        self,
        request: Request,
        admin: Admin,
        template: str,
        status_code: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        """An admin page, 422 when it shows errors unless told otherwise."""
        errors = context.setdefault("errors", {})
        if errors and status_code == 200:
            status_code = 422
        return self.web.page(
            request, admin.visitor, template, status_code=status_code, **context
        )


def _redirect(exc: Any) -> RedirectResponse:
    return RedirectResponse(exc.headers["Location"], status_code=303)


def done(where: str) -> RedirectResponse:
    """After a change: see the page again (post, redirect, get)."""
    return RedirectResponse(where, status_code=303)


async def form_lists(request: Request) -> tuple[dict[str, str], dict[str, list[str]]]:
    """A posted form's fields (last value wins) and every value of each name,
    for checkbox lists; the same size limit as every other form."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise HTTPException(413, "The form is too large")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise HTTPException(413, "The form is too large")
    kind = request.headers.get("content-type", "")
    if body and not kind.startswith("application/x-www-form-urlencoded"):
        raise HTTPException(415, "Send the form as application/x-www-form-urlencoded")
    pairs = parse_qsl(
        body.decode("utf-8", errors="replace"),
        keep_blank_values=True,
        max_num_fields=MAX_LIST_FIELDS,
    )
    lists: dict[str, list[str]] = {}
    for name, value in pairs:
        lists.setdefault(name, []).append(value.strip())
    return {k: v[-1] for k, v in lists.items()}, lists


def number_or_text(text: str) -> float | str | None:
    """A typed number as a float; None when blank; else the text (refused later)."""
    if not text:
        return None
    found = parse_number(text)
    return found if found is not None else text


def build(
    model: type[Model],
    data: Mapping[str, Any],
    field_of: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> tuple[Model | None, Errors]:
    """The request body ``model`` from ``data``, or the API's messages by field.

    Numbers left as text (not readable as numbers) and dates that are not
    dates are refused here with words of our own, since the API's messages
    for those speak of JSON types.
    """
    errors: Errors = {}
    try:
        built = model.model_validate(dict(data))
    except ValidationError as exc:
        raw_errors = exc.errors()
        _sentence, items = describe_validation(list(raw_errors))  # type: ignore[arg-type]
        for raw, item in zip(raw_errors, items, strict=True):
            path = [str(p) for p in raw["loc"] if not isinstance(p, int)]
            field = (field_of or {}).get(".".join(path)) or "_".join(path) or "form"
            label = (labels or {}).get(field, field.replace("_", " ").capitalize())
            message = item["message"]
            if raw["type"].startswith("float") or message == "must be a number":
                message = NOT_A_NUMBER
            elif raw["type"].startswith("date"):
                message = NOT_A_DATE
            errors.setdefault(field, f"{label}: {message}")
        return None, errors
    return built, {}


def refusal(exc: DomainError, default_field: str) -> Errors:
    """A command the system refused, as a message next to the field it names."""
    return {exc.field or default_field: exc.detail}


def expected_version(fields: Mapping[str, str]) -> int | None:
    """The indicator version the form was drawn from (None: do not check)."""
    raw = fields.get("version", "")
    return int(raw) if raw.isdigit() else None
