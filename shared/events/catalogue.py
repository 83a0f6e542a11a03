"""The catalogue of event types, their current schema versions and topics.

Events are the public API between services: names here are stable. A new
shape of an existing type gets a higher version here and an upcaster in
``shared.events.upcasting``.
"""

from __future__ import annotations

from typing import Final

# type -> current schema_version
CURRENT_VERSIONS: Final[dict[str, int]] = {
    "IndicatorRegistered": 2,
    "IndicatorAmended": 1,
    "LeadOrganisationAssigned": 1,
    "NamedLeadAssigned": 1,
    "BaselineRecorded": 1,
    "TargetSet": 1,
    "MilestonesSet": 1,
    "IndicatorRetired": 1,
    "FrameworkVersionPublished": 1,
    "FrameworkSettingsChanged": 1,
    "RoundOpened": 1,
    "RoundClosed": 1,
    "RoundDeadlinePassed": 1,
    "ReturnSubmitted": 1,
    "LaaResultReceived": 1,
    "ReturnRejected": 1,
    "MailClaimed": 1,
    "MailSendFailed": 1,
    "RequestSent": 1,
    "ReminderSent": 1,
    "OverdueNoticeSent": 1,
    "CentralSummarySent": 1,
    "AssessmentChanged": 1,
    "ChallengeRaised": 1,
    "ChallengeDecided": 1,
    "ChallengeWithdrawn": 1,
    "ActionAssigned": 1,
    "ActionCompleted": 1,
    "ReportPublished": 1,
    "ReportDraftEdited": 1,
    "ComparatorFiguresLoaded": 1,
}

# Which service emits each type, hence which Kafka topic carries it.
SERVICE_OF: Final[dict[str, str]] = {
    **dict.fromkeys(
        [
            "IndicatorRegistered",
            "IndicatorAmended",
            "LeadOrganisationAssigned",
            "NamedLeadAssigned",
            "BaselineRecorded",
            "TargetSet",
            "MilestonesSet",
            "IndicatorRetired",
            "FrameworkVersionPublished",
            "FrameworkSettingsChanged",
        ],
        "indicators",
    ),
    **dict.fromkeys(
        [
            "RoundOpened",
            "RoundClosed",
            "RoundDeadlinePassed",
            "ReturnSubmitted",
            "LaaResultReceived",
            "ReturnRejected",
            # Mail to leads: one stream per message (mail:<round>:<kind>:<to>).
            "MailClaimed",
            "MailSendFailed",
            "RequestSent",
            "ReminderSent",
            "OverdueNoticeSent",
            "CentralSummarySent",
        ],
        "returns",
    ),
    **dict.fromkeys(
        [
            "AssessmentChanged",
            "ChallengeRaised",
            "ChallengeDecided",
            "ChallengeWithdrawn",
        ],
        "assessment",
    ),
    **dict.fromkeys(
        [
            "ActionAssigned",
            "ActionCompleted",
            "ReportPublished",
            "ReportDraftEdited",
            "ComparatorFiguresLoaded",
        ],
        "reporting",
    ),
}

TOPICS: Final[dict[str, str]] = {
    "indicators": "pmf.indicators",
    "returns": "pmf.returns",
    "assessment": "pmf.assessment",
    "reporting": "pmf.reporting",
}
LAA_TOPIC: Final = "laa.results"
DEAD_LETTER_TOPIC: Final = "pmf.dead-letter"


def topic_for(event_type: str) -> str:
    """The Kafka topic that carries ``event_type``."""
    return TOPICS[SERVICE_OF[event_type]]


def current_version(event_type: str) -> int:
    """The schema version new events of ``event_type`` are written with."""
    return CURRENT_VERSIONS[event_type]
