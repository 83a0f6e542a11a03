"""Reading posted forms and turning their text into commands, with errors by field.

Forms are plain ``application/x-www-form-urlencoded`` posts, read here without
any extra parsing library. Each parser answers the command (or None) and a dict of
field name to a message written for the person who typed the value, so a page can
show the message next to the field and keep what was typed.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any
from urllib.parse import parse_qsl

from fastapi import HTTPException, Request
from pydantic import TypeAdapter, ValidationError

from services.returns.schemas import ReturnIn
from shared.errors import DomainError
from shared.http.schemas import LongText

MAX_FORM_BYTES = 64_000
Errors = dict[str, str]

_RETURN_MESSAGES = {
    "indicator_code": "Choose the indicator this return is for",
    "period_end": "Enter the date the period ends, for example 31/03/2010",
    "value": "Enter the result as a number, for example 63.2",
    "prediction": "Choose on target, off target or no prediction",
    "commentary": "Commentary must be 10,000 characters or fewer",
    "data_quality": "The data quality note must be 10,000 characters or fewer",
    "breakdowns": "Give at most 50 groups, each as: group name = number",
}


MAX_FIELDS = 100
# The return sheet has four fields a row, one row per outstanding indicator.
MAX_SHEET_FIELDS = 1_000


async def form_fields(request: Request) -> dict[str, str]:
    """The fields of a posted form (the last value of a repeated name wins)."""
    return await read_form(request, MAX_FIELDS)


async def sheet_fields(request: Request) -> dict[str, str]:
    """The fields of the return sheet, which may hold many rows."""
    return await read_form(request, MAX_SHEET_FIELDS)


async def read_form(request: Request, max_fields: int) -> dict[str, str]:
    """The fields of a posted form, at most ``max_fields`` of them.

    The body is counted as it arrives and refused once it passes
    ``MAX_FORM_BYTES``, whatever its framing: a chunked post is never read
    whole first.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise HTTPException(413, "The form is too large")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            raise HTTPException(413, "The form is too large")
        chunks.append(chunk)
    body = b"".join(chunks)
    kind = request.headers.get("content-type", "")
    if body and not kind.startswith("application/x-www-form-urlencoded"):
        raise HTTPException(415, "Send the form as application/x-www-form-urlencoded")
    text = body.decode("utf-8", errors="replace")
    try:
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=max_fields)
    except ValueError as exc:
        raise HTTPException(413, "The form has too many fields") from exc
    return {k: v.strip() for k, v in pairs}


def parse_number(text: str) -> float | None:
    """A number typed by a person ('1,234.5', ' 63.2 '), or None if it is not one."""
    cleaned = text.replace(",", "").replace(" ", "").removesuffix("%")
    if not re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?", cleaned):
        return None
    value = float(cleaned)
    return value if math.isfinite(value) else None


_UK_DAY = re.compile(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})")


def parse_day(text: str) -> str:
    """A date typed the British way (31/03/2009, 31.3.2009, 31-03-2009) as ISO
    text; anything else (an ISO date, or text that is no date) is passed on
    unchanged for the schema to accept or refuse."""
    found = _UK_DAY.fullmatch(text.strip())
    if not found:
        return text
    day, month, year = (int(g) for g in found.groups())
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return text


def parse_breakdowns(text: str) -> tuple[dict[str, float] | None, str | None]:
    """'male = 60.1' lines as a dict; an error message for the first bad line."""
    found: dict[str, float] = {}
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, raw = line.rpartition("=")
        if not sep:
            name, sep, raw = line.rpartition(":")
        value = parse_number(raw) if sep else None
        if not sep or not name.strip() or value is None:
            return None, (
                f"Line {n} is not 'group name = number' (for example: female = 66.0)"
            )
        found[name.strip()] = value
    return (found or None), None


def parse_return(fields: dict[str, str]) -> tuple[dict[str, Any] | None, Errors]:
    """A lead's return form as a ``ReturnsService.submit`` command, or errors."""
    errors: Errors = {}
    value = parse_number(fields.get("value", ""))
    if value is None:
        errors["value"] = (
            "Enter the result" if not fields.get("value") else _RETURN_MESSAGES["value"]
        )
    breakdowns, problem = parse_breakdowns(fields.get("breakdowns", ""))
    if problem:
        errors["breakdowns"] = problem
    prediction = fields.get("prediction") or None
    if prediction == "none":
        prediction = None
    try:
        body = ReturnIn.model_validate(
            {
                "indicator_code": fields.get("indicator_code", ""),
                "period_end": parse_day(fields.get("period_end", "")),
                "value": value if value is not None else 0.0,
                "prediction": prediction,
                "breakdowns": breakdowns,
                "commentary": fields.get("commentary") or None,
                "data_quality": fields.get("data_quality") or None,
            }
        )
    except ValidationError as exc:
        for item in exc.errors():
            name = str(item["loc"][0]) if item["loc"] else "value"
            message = str(item["msg"]).removeprefix("Value error, ")
            if "must not contain" not in message and "breakdown" not in message:
                message = _RETURN_MESSAGES.get(name, message)
            errors.setdefault(name, message)
        return None, errors
    if errors:
        return None, errors
    return body.model_dump(mode="python"), {}


_LONG_TEXT: TypeAdapter[str] = TypeAdapter(LongText)


def long_text(text: str) -> tuple[str, str | None]:
    """A note typed into a form, normalised as every API text is, or a message
    saying why it cannot be kept (too long, or a character papers cannot hold)."""
    try:
        return _LONG_TEXT.validate_python(text), None
    except ValidationError as exc:
        return text, str(exc.errors()[0]["msg"]).removeprefix("Value error, ")


def domain_errors(exc: DomainError, default_field: str) -> Errors:
    """A domain error as a message next to the field it names."""
    return {exc.field or default_field: exc.detail}
