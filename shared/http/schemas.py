"""Field types shared by request bodies: finite numbers, dates, leads."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


def _number_only(value: Any) -> Any:
    """Refuse strings and booleans that pydantic would otherwise coerce."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a number")
    return value


# A number that JSON may send as 5 or 5.0, never NaN, infinity or a string.
Number = Annotated[
    float,
    BeforeValidator(_number_only),
    Field(allow_inf_nan=False, ge=-1e15, le=1e15),
]
# A date the plan's records can be about: not year 1, not year 9999.
PlanDate = Annotated[date, Field(ge=date(1990, 1, 1), le=date(2100, 12, 31))]
ShortText = Annotated[str, Field(max_length=200)]
LongText = Annotated[str, Field(max_length=10_000)]
Email = Annotated[str, Field(max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class Body(BaseModel):
    """Base of request bodies: unknown fields are refused, not silently lost."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class NamedLead(Body):
    """The person who answers for an indicator."""

    name: Annotated[str, Field(min_length=1, max_length=200)]
    email: Email | None = None
