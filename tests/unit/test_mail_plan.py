"""Who is e-mailed what about a round, and when (the pure plan and its log)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from services.returns.mail_log import MailKey, MailState, SentRecord, fold
from services.returns.mail_log import contact_times as contact
from services.returns.mail_plan import MailPolicy, due_reminder, plan_round
from services.returns.rounds import Round
from shared.events.envelope import EventEnvelope

GOLDEN = Path(__file__).parent / "golden" / "mail_events_v1.json"
ROUND = Round("2008-H1", "2008-09-30", "2008-09-30", "2008-10-31", None)
POLICY = MailPolicy(reminder_days=(7, 1), grace_days=14, central_email="central@x.org")
DANA, SAM = "dana@x.org", "sam@x.org"


def owed(*entries: tuple[str, str | None, str | None]) -> dict[str, Any]:
    """An outstanding list: (code, lead name, lead e-mail) for each indicator."""
    return {
        "outstanding": [
            {
                "code": code,
                "title": f"Indicator {code}",
                "lead_organisation": "PCT",
                "named_lead": {"name": name, "email": email} if name else None,
                "source": "lead",
            }
            for code, name, email in entries
        ],
        "awaiting_laa": [{"code": "NI 110"}],
    }


EVERYONE = owed(
    ("NI 50", "Dana", DANA),
    ("NI 51", "Dana", DANA),
    ("NI 52", "Sam", SAM),
    ("NI 60", None, None),
    ("NI 61", "Nobody's address", None),
)


def sent(kind: str, to: str, on: str, offset: int | None = None) -> dict[str, Any]:
    key = MailKey("2008-H1", to, kind, offset)  # type: ignore[arg-type]
    record = SentRecord(kind, to, offset, on, f"{on}T09:00:00Z", "<m>", ("NI 50",))
    return {key.stream: MailState(version=2, claims=1, sent=record)}


def asked_all(on: str = "2008-09-30") -> dict[str, Any]:
    return {
        **sent("request", DANA, on),
        **sent("request", SAM, on),
        **sent("opening_summary", "central@x.org", on),
    }


def plan(today: str, states: dict[str, Any] | None = None, **kw: Any) -> list[str]:
    found = plan_round(
        kw.pop("the_round", ROUND),
        kw.pop("outstanding", EVERYONE),
        states or {},
        date.fromisoformat(today),
        kw.pop("policy", POLICY),
    )
    return [p.key.stream.removeprefix("mail:2008-H1:") for p in found]


def test_each_lead_is_asked_for_their_own_indicators_and_the_rest_go_to_the_centre() -> (
    None
):
    found = plan_round(ROUND, EVERYONE, {}, date(2008, 9, 30), POLICY)
    by_to = {p.key.recipient: p for p in found}
    assert [p.key.kind for p in found] == ["request", "request", "opening_summary"]
    assert by_to[DANA].codes == ("NI 50", "NI 51")
    assert by_to[SAM].codes == ("NI 52",)
    summary = by_to["central@x.org"]
    assert summary.codes == ("NI 60", "NI 61"), "no lead, or no address for one"
    assert [lead.email for lead in summary.leads] == [DANA, SAM]
    assert summary.awaiting_laa == 1


def test_nothing_before_the_requested_date_for_a_closed_round_or_without_leads() -> (
    None
):
    assert plan("2008-09-29") == []
    closed = Round("2008-H1", "2008-09-30", "2008-09-30", "2008-10-31", None, True)
    assert plan("2008-10-01", the_round=closed) == []
    quiet = MailPolicy(central_email=None)
    assert plan("2008-10-01", outstanding=owed(), policy=quiet) == []


@pytest.mark.parametrize(
    ("asked", "today", "due"),
    [
        ("2008-09-30", "2008-10-23", None),  # more than a week to go
        ("2008-09-30", "2008-10-24", 7),
        ("2008-09-30", "2008-10-29", 7),  # still the week's reminder
        ("2008-09-30", "2008-10-30", 1),
        ("2008-09-30", "2008-10-31", 1),  # scheduler stopped: only the latest
        ("2008-10-26", "2008-10-27", None),  # asked after the week's day
        ("2008-10-26", "2008-10-30", 1),
        ("2008-10-30", "2008-10-30", None),  # never on the day of asking
        ("2008-09-30", "2008-11-01", None),  # after the deadline: notices
    ],
)
def test_the_reminder_due(asked: str, today: str, due: int | None) -> None:
    days = (7, 1)
    deadline = date(2008, 10, 31)
    found = due_reminder(
        days, deadline, date.fromisoformat(today), date.fromisoformat(asked)
    )
    assert found == due


def test_reminders_only_to_leads_asked_who_still_owe_and_not_twice() -> None:
    states = asked_all()
    assert plan("2008-10-24", states) == [
        "reminder-7:dana@x.org",
        "reminder-7:sam@x.org",
    ]
    only_dana = owed(("NI 51", "Dana", DANA))
    assert plan("2008-10-24", states, outstanding=only_dana) == [
        "reminder-7:dana@x.org"
    ]
    states |= sent("reminder", DANA, "2008-10-24", 7)
    assert plan("2008-10-25", states, outstanding=only_dana) == []
    assert plan("2008-10-30", states, outstanding=only_dana) == [
        "reminder-1:dana@x.org"
    ]


def test_a_new_lead_is_asked_late_but_a_lead_never_asked_is_not_chased() -> None:
    states = sent("request", DANA, "2008-09-30")
    assert plan("2008-10-24", states, policy=MailPolicy()) == [
        "reminder-7:dana@x.org",
        "request:sam@x.org",
    ]
    assert plan("2008-11-01", states, policy=MailPolicy()) == ["overdue:dana@x.org"]


def test_after_the_deadline_one_notice_each_and_a_summary_within_the_grace() -> None:
    states = asked_all()
    assert plan("2008-11-01", states) == [
        "overdue:dana@x.org",
        "overdue:sam@x.org",
        "overdue_summary:central@x.org",
    ]
    assert plan("2008-11-14", states) != []
    assert plan("2008-11-15", states) == [], "the links have expired"
    states |= sent("overdue", DANA, "2008-11-01")
    states |= sent("overdue", SAM, "2008-11-01")
    states |= sent("overdue_summary", "central@x.org", "2008-11-01")
    assert plan("2008-11-02", states) == []


def test_a_round_never_mailed_gets_no_overdue_summary() -> None:
    assert plan("2008-11-01") == []


def test_pending_claims_stay_in_the_plan_and_given_up_messages_leave_it() -> None:
    request = MailKey("2008-H1", DANA, "request").stream
    pending = {request: MailState(version=1, claims=1, pending=True)}
    assert "request:dana@x.org" in plan("2008-09-30", pending)
    given_up = {request: MailState(version=6, claims=3, failures=3)}
    assert "request:dana@x.org" not in plan("2008-09-30", given_up)


def test_a_message_key_names_one_stream_and_one_message_id() -> None:
    key = MailKey("2008-H1", DANA, "reminder", 7)
    assert key.stream == "mail:2008-H1:reminder-7:dana@x.org"
    assert key.message_id("example.org") == key.message_id("example.org")
    assert key.message_id("example.org") != MailKey(
        "2008-H1", DANA, "request"
    ).message_id("example.org")


def test_recorded_mail_events_keep_their_meaning() -> None:
    events = [EventEnvelope.model_validate(e) for e in json.loads(GOLDEN.read_text())]
    states = fold(events)
    request = states["mail:2008-H1:request:dana@example.org"]
    assert request.sent is not None and request.sent.codes == ("NI 50", "NI 51")
    assert request.sent.sent_on == "2008-09-30" and not request.pending
    reminder = states["mail:2008-H1:reminder-7:dana@example.org"]
    assert reminder.sent is None and reminder.failures == 1 and reminder.version == 2
    times = contact(states, "dana@example.org", "NI 51")
    assert times == {
        "asked_at": "2008-09-30T09:00:01.000000Z",
        "reminded_at": [],
        "overdue_notice_at": None,
    }
    assert contact(states, "dana@example.org", "NI 60")["asked_at"] is None
