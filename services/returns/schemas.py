"""Request bodies of the returns API (PRODUCT.md 3, 7.2a)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from shared.http.schemas import Body, Code, FreeText, LongText, Number, PlanDate

GroupName = Annotated[str, Field(min_length=1, max_length=100), FreeText]
RoundId = Annotated[
    str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._-]+$")
]


class ReturnIn(Body):
    """One result from a lead for an indicator and period.

    Every figure is an aggregate about a group of children; breakdowns are by
    group (e.g. gender, ethnicity, looked-after status), never by child.
    """

    indicator_code: Code
    period_end: PlanDate
    value: Number
    prediction: Literal["on_target", "off_target"] | None = None
    breakdowns: dict[GroupName, Number] | None = Field(default=None, max_length=50)
    commentary: LongText | None = Field(
        default=None,
        description="What lies behind the result, up to 10,000 characters. Results "
        "are aggregates: never name or describe a child.",
    )
    data_quality: LongText | None = Field(
        default=None,
        description="Notes on the data's quality. Never personal data about a child.",
    )


class RoundIn(Body):
    """A collection round: the period it asks for and its deadline."""

    id: RoundId
    period_end: PlanDate
    requested: PlanDate
    deadline: PlanDate
    scope: list[Code] | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _dates_in_order(self) -> RoundIn:
        if self.deadline < self.requested:
            raise ValueError("deadline must not be before the requested date")
        return self
