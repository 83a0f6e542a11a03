"""The shape of every event type's data, one pydantic model per type and version.

Why: an event is written once and read for ever, by every consumer of every
mode. One that a consumer cannot apply (a ``null`` title, a missing code)
would stop that consumer at the same place on every restart and every
replay. So the store validates each new event against the model of its type
and schema version before anything is written; a command that would record
a bad event fails as a 422 instead.

The models say what consumers rely on (required fields, their types, which
may be ``null``) and allow extra keys, so a field added to an event later is
not refused by a service that does not know it yet. Old stored events are not
re-validated on read: they were written under their own rules and upcasters
lift them (``shared.events.upcasting``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Final, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
)

from shared.errors import Invalid
from shared.events.catalogue import CURRENT_VERSIONS


def _iso_day(text: str) -> str:
    try:
        date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError("must be a date written YYYY-MM-DD") from exc
    return text


Day = Annotated[
    StrictStr, Field(pattern=r"^\d{4}-\d{2}-\d{2}$"), AfterValidator(_iso_day)
]
Code = Annotated[StrictStr, Field(min_length=1, max_length=200)]
Text = Annotated[StrictStr, Field(max_length=100_000)]
Number = StrictFloat | StrictInt
Polarity = Literal["higher_is_better", "lower_is_better", "closer_is_better"]
Frequency = Literal["annual", "half_yearly", "quarterly", "termly", "monthly"]


class Payload(BaseModel):
    """Base of every payload model: extra keys pass, declared ones are strict."""

    model_config = ConfigDict(extra="allow", frozen=True)


class NamedLead(Payload):
    name: Text
    email: Text | None = None


class Point(Payload):
    value: Number
    period_end: Day


# -- indicators ---------------------------------------------------------------


class IndicatorRegisteredV2(Payload):
    code: Code
    title: Annotated[StrictStr, Field(min_length=1, max_length=1000)]
    outcome: Text | None = None
    polarity: Polarity
    unit: Text | None = None
    frequency: Frequency
    laa: StrictBool
    measurable: StrictBool
    lead_organisation: Text | None = None
    named_lead: NamedLead | None = None
    tolerance: Number | None = None


class AmendedFields(BaseModel):
    """The definition fields an amendment may change, and which may be null."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Annotated[StrictStr, Field(min_length=1, max_length=1000)] = "-"
    outcome: Text | None = None
    polarity: Polarity = "higher_is_better"
    unit: Text | None = None
    frequency: Frequency = "annual"
    laa: StrictBool = False
    measurable: StrictBool = True
    tolerance: Number | None = None


class IndicatorAmendedV1(Payload):
    code: Code
    changes: AmendedFields
    reason: Text | None = None


class LeadOrganisationAssignedV1(Payload):
    code: Code
    lead_organisation: Text | None


class NamedLeadAssignedV1(Payload):
    code: Code
    named_lead: NamedLead | None


class BaselineRecordedV1(Payload):
    code: Code
    value: Number
    period_end: Day


class TargetSetV1(Payload):
    code: Code
    value: Number
    period_end: Day
    reason: Text | None = None


class MilestonesSetV1(Payload):
    code: Code
    milestones: list[Point]


class IndicatorRetiredV1(Payload):
    code: Code
    reason: Text | None = None


class FrameworkSettingsChangedV1(Payload):
    rag_mode: StrictStr | None = None
    amber_fraction: Number | None = None
    significance: Number | None = None
    plan_name: Text | None = None
    plan_start_year: StrictInt | None = None
    plan_end_year: StrictInt | None = None
    # The council's own area code, its region's and its statistical neighbours'
    # (for the comparison with England, the region and similar councils).
    area_code: Code | None = None
    region_code: Code | None = None
    statistical_neighbours: list[Code] | None = None
    equality_gap_threshold: Number | None = None


class FrameworkVersionPublishedV1(Payload):
    number: StrictInt
    label: Text
    note: Text | None = None
    settings: dict[str, Any]
    indicators: list[dict[str, Any]]


# -- returns ------------------------------------------------------------------


class RoundOpenedV1(Payload):
    id: Code
    period_end: Day
    deadline: Day | None = None
    requested: Day | None = None
    scope: list[Code] | None = None


class RoundRefV1(Payload):
    id: Code


class ReturnSubmittedV1(Payload):
    indicator_code: Code
    period_end: Day
    value: Number
    prediction: StrictStr | None = None
    breakdowns: dict[str, Any] | None = None
    breakdown_counts: dict[str, Any] | None = (
        None  # group: {n | numerator, denominator}
    )
    commentary: Text | None = None
    data_quality: Text | None = None


class LaaResultReceivedV1(Payload):
    indicator_code: Code
    period_end: Day
    value: Number
    result_id: Code
    breakdowns: dict[str, Any] | None = None
    breakdown_counts: dict[str, Any] | None = (
        None  # group: {n | numerator, denominator}
    )
    submitted_at: Annotated[StrictStr, Field(max_length=64)] | None = None


class ReturnRejectedV1(Payload):
    reason: Text
    source: StrictStr


class MailV1(Payload):
    round_id: Code
    recipient: Text
    kind: StrictStr


# -- assessment ---------------------------------------------------------------


class AssessmentChangedV1(Payload):
    indicator_code: Code
    round_id: Code | None = None
    status: StrictStr
    shown_status: StrictStr
    flags: list[dict[str, Any]]


class ChallengeRaisedV1(Payload):
    indicator_code: Code
    round_id: Code
    flag: StrictStr
    explanation: Text


class ChallengeWithdrawnV1(Payload):
    indicator_code: Code
    round_id: Code
    flag: StrictStr


class ChallengeDecidedV1(Payload):
    indicator_code: Code
    round_id: Code
    decision: StrictStr


# -- reporting ----------------------------------------------------------------


class ActionAssignedV1(Payload):
    id: Code
    indicator_code: Code
    description: Text
    round_id: Code | None = None


class ActionCompletedV1(Payload):
    id: Code
    note: Text | None = None


ReportKind = Literal["executive", "board"]


class ReportPublishedV1(Payload):
    """A round's paper issued: the whole snapshot it is laid out from, so the
    published paper regenerates from the log alone, and its SHA-256 digest."""

    round_id: Code
    kind: ReportKind
    content_digest: Annotated[StrictStr, Field(pattern=r"^[0-9a-f]{64}$")]
    snapshot: dict[str, Any]


class ReportDraftEditedV1(Payload):
    """The officer's own purpose, summary and recommendations for a paper not
    yet published; ``null`` means the drafted text."""

    round_id: Code
    kind: ReportKind
    purpose: Text | None = None
    summary: Text | None = None
    recommendations: Text | None = None


AreaType = Literal["england", "region", "statistical_neighbour", "other_council"]


class ComparatorRow(Payload):
    area_code: Code
    area_name: Text | None = None
    area_type: AreaType
    indicator_code: Code
    period_end: Day
    value: Number


class ComparatorFiguresLoadedV1(Payload):
    """Published figures for other areas (England, regions, other councils);
    a later row for the same area, indicator and period supersedes."""

    source: Annotated[StrictStr, Field(min_length=1, max_length=200)]
    published: Day | None = None
    file: Text | None = None
    rows: Annotated[list[ComparatorRow], Field(min_length=1, max_length=5000)]


#: (type, schema_version) -> the model its data must satisfy.
PAYLOADS: Final[dict[tuple[str, int], type[Payload]]] = {
    ("IndicatorRegistered", 2): IndicatorRegisteredV2,
    ("IndicatorAmended", 1): IndicatorAmendedV1,
    ("LeadOrganisationAssigned", 1): LeadOrganisationAssignedV1,
    ("NamedLeadAssigned", 1): NamedLeadAssignedV1,
    ("BaselineRecorded", 1): BaselineRecordedV1,
    ("TargetSet", 1): TargetSetV1,
    ("MilestonesSet", 1): MilestonesSetV1,
    ("IndicatorRetired", 1): IndicatorRetiredV1,
    ("FrameworkVersionPublished", 1): FrameworkVersionPublishedV1,
    ("FrameworkSettingsChanged", 1): FrameworkSettingsChangedV1,
    ("RoundOpened", 1): RoundOpenedV1,
    ("RoundClosed", 1): RoundRefV1,
    ("RoundDeadlinePassed", 1): RoundRefV1,
    ("ReturnSubmitted", 1): ReturnSubmittedV1,
    ("LaaResultReceived", 1): LaaResultReceivedV1,
    ("ReturnRejected", 1): ReturnRejectedV1,
    ("MailClaimed", 1): MailV1,
    ("MailSendFailed", 1): MailV1,
    ("RequestSent", 1): MailV1,
    ("ReminderSent", 1): MailV1,
    ("OverdueNoticeSent", 1): MailV1,
    ("CentralSummarySent", 1): MailV1,
    ("AssessmentChanged", 1): AssessmentChangedV1,
    ("ChallengeRaised", 1): ChallengeRaisedV1,
    ("ChallengeDecided", 1): ChallengeDecidedV1,
    ("ChallengeWithdrawn", 1): ChallengeWithdrawnV1,
    ("ActionAssigned", 1): ActionAssignedV1,
    ("ActionCompleted", 1): ActionCompletedV1,
    ("ReportPublished", 1): ReportPublishedV1,
    ("ReportDraftEdited", 1): ReportDraftEditedV1,
    ("ComparatorFiguresLoaded", 1): ComparatorFiguresLoadedV1,
}


class InvalidEvent(Invalid, ValueError):
    """An event whose data does not fit its type's model: it is never written.

    A command that decides on such an event is refused as invalid input (422).
    """

    def __init__(self, event_type: str, problems: list[str]) -> None:
        self.event_type = event_type
        self.problems = problems
        super().__init__(
            f"The change cannot be recorded: {event_type} " + "; ".join(problems)
        )


def validate_payload(
    event_type: str, schema_version: int, data: dict[str, Any]
) -> None:
    """Raise :class:`InvalidEvent` unless ``data`` fits the model of its type.

    Only the current schema version of a type may be written.
    """
    if event_type not in CURRENT_VERSIONS:
        raise InvalidEvent(event_type, ["is not an event type of the catalogue"])
    if schema_version != CURRENT_VERSIONS[event_type]:
        raise InvalidEvent(
            event_type,
            [
                f"schema version {schema_version} is not the current "
                f"{CURRENT_VERSIONS[event_type]}"
            ],
        )
    model = PAYLOADS[(event_type, schema_version)]
    try:
        model.model_validate(data)
    except ValidationError as exc:
        raise InvalidEvent(
            event_type,
            [
                f"{'.'.join(str(p) for p in err['loc']) or 'data'}: {err['msg']}"
                for err in exc.errors()
            ],
        ) from None


def missing_models() -> set[tuple[str, int]]:
    """Catalogue entries without a model (the catalogue test keeps this empty)."""
    return set(CURRENT_VERSIONS.items()) - set(PAYLOADS)
