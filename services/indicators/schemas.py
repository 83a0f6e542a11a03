"""Request bodies of the indicators API (field names of PRODUCT.md 3, 7.2a)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from shared.http.schemas import Body, LongText, NamedLead, Number, PlanDate, ShortText

Code = Annotated[
    str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9 ._/-]+$")
]
Polarity = Literal["higher_is_better", "lower_is_better", "closer_is_better"]
Frequency = Literal["annual", "half_yearly", "quarterly"]


class PointIn(Body):
    """A value for the period ending on a date."""

    value: Number
    period_end: PlanDate


class TargetIn(Body):
    """A target: value, when it is due (the plan end by default) and why."""

    value: Number
    period_end: PlanDate | None = None
    reason: LongText | None = None


class IndicatorCreate(Body):
    """A new indicator for the framework."""

    code: Code
    title: Annotated[str, Field(min_length=1, max_length=300)]
    outcome: ShortText = ""
    polarity: Polarity
    unit: ShortText = "number"
    frequency: Frequency = "annual"
    laa: bool = False
    measurable: bool = True
    lead_organisation: ShortText | None = None
    named_lead: NamedLead | None = None
    tolerance: Number | None = None
    baseline: PointIn | None = None
    target: TargetIn | None = None
    milestones: list[PointIn] | None = Field(default=None, max_length=50)


class IndicatorUpdate(Body):
    """Definition fields to change; only those given are changed."""

    title: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    outcome: ShortText | None = None
    polarity: Polarity | None = None
    unit: ShortText | None = None
    frequency: Frequency | None = None
    laa: bool | None = None
    measurable: bool | None = None
    tolerance: Number | None = None
    reason: LongText | None = None


class LeadIn(Body):
    """The lead organisation and/or named lead (null clears one)."""

    lead_organisation: ShortText | None = None
    named_lead: NamedLead | None = None


class MilestonesIn(Body):
    """Interim targets."""

    milestones: list[PointIn] = Field(max_length=50)


class RetireIn(Body):
    """Why an indicator leaves the framework."""

    reason: LongText | None = None


class SettingsIn(Body):
    """Framework settings that change assessments."""

    rag_mode: Literal["red_green", "red_amber_green"] | None = None
    amber_fraction: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] | None = (
        None
    )
    significance: Annotated[float, Field(ge=0, le=10, allow_inf_nan=False)] | None = (
        None
    )


class VersionIn(Body):
    """A framework version to publish."""

    label: Annotated[str, Field(min_length=1, max_length=200)]
    note: LongText | None = None
