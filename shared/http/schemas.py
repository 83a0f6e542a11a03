"""Field types shared by request bodies: finite numbers, dates, free text, codes.

Every free-text field of every API, form and spreadsheet import is one of the
text types here, so the rules of :mod:`shared.text` hold at every way in: line
breaks are normalised and characters a paper cannot hold are refused (422,
naming the field). Numbers and booleans are strict: JSON ``true`` is not 1.0
and ``0`` is not false.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
)

from shared import text as rules


def _number_only(value: Any) -> Any:
    """Refuse strings and booleans that pydantic would otherwise coerce."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a number")
    return value


def _free_text(value: str) -> str:
    """Line breaks normalised; a character a paper cannot hold is refused."""
    value = rules.normalise(value)
    found = rules.forbidden(value)
    if found:
        raise ValueError(f"must not contain {found}")
    return value


# A number that JSON may send as 5 or 5.0, never NaN, infinity or a string.
Number = Annotated[
    float,
    BeforeValidator(_number_only),
    Field(allow_inf_nan=False, ge=-1e15, le=1e15),
]
# A date the plan's records can be about: not year 1, not year 9999.
PlanDate = Annotated[date, Field(ge=date(1990, 1, 1), le=date(2100, 12, 31))]
# Free text; the length rules are checked on the text as sent.
FreeText = AfterValidator(_free_text)
ShortText = Annotated[str, Field(max_length=200), FreeText]
LongText = Annotated[str, Field(max_length=10_000), FreeText]
Title = Annotated[str, Field(min_length=1, max_length=300), FreeText]
Name = Annotated[str, Field(min_length=1, max_length=200), FreeText]
Email = Annotated[
    str, Field(max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"), FreeText
]
Flag = StrictBool
# An indicator code (see shared.text.CODE_PATTERN).
Code = Annotated[
    str,
    Field(
        min_length=1,
        max_length=32,
        pattern=rules.CODE_PATTERN,
        description="Letters and digits in groups joined by one space, dot, "
        "underscore or hyphen, such as 'NI 50' or 'LOCAL 01'.",
        examples=["NI 50"],
    ),
]


class Body(BaseModel):
    """Base of request bodies: unknown fields are refused, not silently lost."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class NamedLead(Body):
    """The person who answers for an indicator."""

    name: Name
    email: Email | None = None
