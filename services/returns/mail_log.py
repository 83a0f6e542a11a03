"""What the mail streams say was claimed and sent (pure).

Every message to a lead or to the central team has its own stream,
``mail:<round>:<kind>[-<days>]:<recipient>``, so that the stream's version is
the lock two schedulers contend for: the first ``MailClaimed`` (expected
version 0) wins and the other gets a conflict. See ``mailer.py`` for the
protocol; this module only reads the events back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from shared.events.envelope import EventEnvelope, iso

Kind = Literal["request", "reminder", "overdue", "opening_summary", "overdue_summary"]

# The event that records a message of each kind as sent.
SENT_TYPES: dict[str, str] = {
    "request": "RequestSent",
    "reminder": "ReminderSent",
    "overdue": "OverdueNoticeSent",
    "opening_summary": "CentralSummarySent",
    "overdue_summary": "CentralSummarySent",
}
STREAM_PREFIX = "mail:"
# A message that failed this many times is given up (a bad address, say).
MAX_FAILURES = 3


def round_prefix(round_id: str) -> str:
    """The prefix shared by every mail stream of one round."""
    return f"{STREAM_PREFIX}{round_id}:"


@dataclass(frozen=True)
class MailKey:
    """What makes a message unique: round, recipient, kind and reminder offset."""

    round_id: str
    recipient: str
    kind: Kind
    offset_days: int | None = None

    @property
    def stream(self) -> str:
        """The message's own stream (also its idempotency key)."""
        kind = (
            self.kind if self.offset_days is None else f"{self.kind}-{self.offset_days}"
        )
        return f"{round_prefix(self.round_id)}{kind}:{self.recipient}"

    def message_id(self, domain: str) -> str:
        """The RFC 5322 Message-ID: the same for every attempt at this message,
        so a repeat after a crash is recognisably the same message."""
        digest = hashlib.sha256(self.stream.encode()).hexdigest()[:32]
        return f"<pmf.{digest}@{domain}>"

    def to_data(self) -> dict[str, Any]:
        """The key's fields as they are written into events."""
        return {
            "round_id": self.round_id,
            "recipient": self.recipient,
            "kind": self.kind,
            "offset_days": self.offset_days,
        }


@dataclass(frozen=True)
class SentRecord:
    """A message recorded as sent."""

    kind: str
    recipient: str
    offset_days: int | None
    sent_on: str  # the scheduler's date (ISO), which the plan reasons with
    sent_at: str  # when it was recorded (UTC ISO timestamp)
    message_id: str
    codes: tuple[str, ...]


@dataclass(frozen=True)
class MailState:
    """One message's stream folded: its version, claims and outcome."""

    version: int = 0
    claims: int = 0
    claimed_at: str | None = None
    pending: bool = False  # claimed, with neither a send nor a failure since
    failures: int = 0
    sent: SentRecord | None = None

    @property
    def given_up(self) -> bool:
        """Whether the scheduler stopped trying (too many failures)."""
        return self.sent is None and self.failures >= MAX_FAILURES


def _evolve(state: MailState, e: EventEnvelope) -> MailState:
    d = e.data
    version = e.stream_version
    if e.type == "MailClaimed":
        return replace(
            state,
            version=version,
            claims=state.claims + 1,
            claimed_at=d.get("claimed_at") or iso(e.recorded_at),
            pending=True,
        )
    if e.type == "MailSendFailed":
        return replace(
            state, version=version, pending=False, failures=state.failures + 1
        )
    if e.type in SENT_TYPES.values():
        record = SentRecord(
            kind=d["kind"],
            recipient=d["recipient"],
            offset_days=d.get("offset_days"),
            sent_on=d["sent_on"],
            sent_at=iso(e.recorded_at),
            message_id=d["message_id"],
            codes=tuple(d.get("indicators") or ()),
        )
        # A second record (a repeat after a crash) leaves the first one standing.
        return replace(state, version=version, pending=False, sent=state.sent or record)
    return replace(state, version=version)


def fold(events: Iterable[EventEnvelope]) -> dict[str, MailState]:
    """Every mail stream in ``events``, folded, by stream name."""
    states: dict[str, MailState] = {}
    for e in events:
        if e.stream.startswith(STREAM_PREFIX):
            states[e.stream] = _evolve(states.get(e.stream, MailState()), e)
    return states


def contact_times(
    states: Mapping[str, MailState], email: str | None, code: str
) -> dict[str, Any]:
    """When the lead ``email`` was asked and reminded about indicator ``code``."""
    asked: list[str] = []
    reminded: list[str] = []
    overdue: list[str] = []
    for state in states.values():
        sent = state.sent
        if sent is None or not email or sent.recipient != email:
            continue
        if code not in sent.codes:
            continue
        {"request": asked, "reminder": reminded, "overdue": overdue}.get(
            sent.kind, []
        ).append(sent.sent_at)
    return {
        "asked_at": min(asked) if asked else None,
        "reminded_at": sorted(reminded),
        "overdue_notice_at": min(overdue) if overdue else None,
    }
