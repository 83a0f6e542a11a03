"""Request bodies of the indicators API (field names of PRODUCT.md 3, 7.2a)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictInt, field_validator

from shared.http.schemas import (
    Body,
    Code,
    Flag,
    LongText,
    Name,
    NamedLead,
    Number,
    PlanDate,
    ShortText,
    Title,
)

AreaCode = Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9]+$")]
Polarity = Literal["higher_is_better", "lower_is_better", "closer_is_better"]
Frequency = Literal["annual", "half_yearly", "quarterly", "termly", "monthly"]


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
    title: Title
    outcome: ShortText = ""
    polarity: Polarity
    unit: ShortText = "number"
    frequency: Frequency = "annual"
    laa: Flag = False
    measurable: Flag = True
    lead_organisation: ShortText | None = None
    named_lead: NamedLead | None = None
    tolerance: Number | None = None
    baseline: PointIn | None = None
    target: TargetIn | None = None
    milestones: list[PointIn] | None = Field(default=None, max_length=50)


class IndicatorUpdate(Body):
    """Definition fields to change; only those given are changed.

    Leaving a field out keeps it; ``null`` is refused for every field that an
    indicator must have (only ``tolerance`` may be cleared with ``null``, to
    use the framework's default), so no command can leave a definition without
    a title or polarity.
    """

    title: Title | None = None
    outcome: ShortText | None = None
    polarity: Polarity | None = None
    unit: ShortText | None = None
    frequency: Frequency | None = None
    laa: Flag | None = None
    measurable: Flag | None = None
    tolerance: Number | None = None
    reason: LongText | None = None

    @field_validator(
        "title",
        "outcome",
        "polarity",
        "unit",
        "frequency",
        "laa",
        "measurable",
        mode="before",
    )
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may not be null: leave the field out to keep it")
        return value


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
    amber_fraction: Annotated[Number, Field(ge=0, le=1)] | None = None
    significance: Annotated[Number, Field(ge=0, le=10)] | None = None
    # The plan the framework serves, for the papers and pages (not the rules).
    plan_name: Name | None = None
    plan_start_year: Annotated[StrictInt, Field(ge=1990, le=2100)] | None = None
    plan_end_year: Annotated[StrictInt, Field(ge=1990, le=2100)] | None = None
    # Who the council is compared with (ONS codes, e.g. E10000014): its own
    # area, its region and its statistical neighbours (informational only).
    area_code: AreaCode | None = None
    region_code: AreaCode | None = None
    statistical_neighbours: list[AreaCode] | None = Field(None, max_length=50)
    # A group behind all children by more than this fraction of the figure for
    # all children is flagged for the Board (information only: never the RAG).
    equality_gap_threshold: Annotated[Number, Field(gt=0, le=10)] | None = None

    @field_validator(
        "rag_mode",
        "amber_fraction",
        "significance",
        "plan_name",
        "plan_start_year",
        "plan_end_year",
        "area_code",
        "region_code",
        "statistical_neighbours",
        "equality_gap_threshold",
        mode="before",
    )
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may not be null: leave the field out to keep it")
        return value


class VersionIn(Body):
    """A framework version to publish."""

    label: Name
    note: LongText | None = None
