"""Request bodies of the returns API (PRODUCT.md 3, 7.2a)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, NonNegativeInt, field_validator, model_validator

from shared.breakdowns import BreakdownError, normalise
from shared.http.schemas import Body, Code, FreeText, LongText, Number, PlanDate

GroupName = Annotated[str, Field(min_length=1, max_length=100), FreeText]
RoundId = Annotated[
    str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._-]+$")
]


class GroupFigureIn(Body):
    """A group's figure with the counts behind it, so small numbers can be withheld."""

    value: Number
    n: NonNegativeInt | None = None
    numerator: NonNegativeInt | None = None
    denominator: NonNegativeInt | None = None


class ReturnIn(Body):
    """One result from a lead for an indicator and period.

    Every figure is an aggregate about a group of children; breakdowns are by
    group (e.g. gender, ethnicity, looked-after status), never by child.
    """

    indicator_code: Code
    period_end: PlanDate
    value: Number
    prediction: Literal["on_target", "off_target"] | None = None
    breakdowns: dict[GroupName, Number | GroupFigureIn] | None = Field(
        default=None,
        max_length=50,
        description="Group to figure, in the groups of docs/equalities.md (e.g. "
        "male, female, fsm, not_fsm, sen, no_sen, looked_after, locality:<name>); "
        "a figure is a number or {value, n?, numerator?, denominator?}.",
    )
    commentary: LongText | None = Field(
        default=None,
        description="What lies behind the result, up to 10,000 characters. Results "
        "are aggregates: never name or describe a child.",
    )
    data_quality: LongText | None = Field(
        default=None,
        description="Notes on the data's quality. Never personal data about a child.",
    )

    @field_validator("breakdowns", mode="after")
    @classmethod
    def _known_groups(
        cls, value: dict[str, float | GroupFigureIn] | None
    ) -> dict[str, float | GroupFigureIn] | None:
        """Groups by their canonical names; an unknown group is refused."""
        if value is None:
            return None
        plain = {
            k: v.model_dump(exclude_none=True) if isinstance(v, GroupFigureIn) else v
            for k, v in value.items()
        }
        try:
            values, counts = normalise(plain)
        except BreakdownError as exc:
            raise ValueError(str(exc)) from exc
        return {
            k: GroupFigureIn(value=v, **counts[k]) if k in counts else v
            for k, v in values.items()
        }


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
