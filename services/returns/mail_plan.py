"""Who gets which e-mail about a round, and when (pure).

Given a round, who still owes returns, what was already sent and today's
date, ``plan_round`` lists the messages that are due and not yet sent. It
decides nothing about claims or SMTP: ``mailer.py`` does that.

The rules (docs/mail.md says why):

* **Request**: from the round's requested date to its deadline, once to
  every named lead with an outstanding lead-reported indicator. LAA
  indicators are never listed: their results come from the LAA stream.
* **Reminder** at each configured offset (days before the deadline): only to
  leads who were asked, still owe a return, and were asked before the
  reminder's day. When several reminders are due at once (the scheduler was
  stopped), only the latest is sent.
* **Overdue notice**: once, after the deadline and within the grace period
  (while the personal link still works), to leads who were asked and still
  owe a return.
* **Central summaries** (when the central team has an address): one when the
  round opens (who is asked, which indicators have no named lead), one after
  the deadline if anything is outstanding and the round was mailed at all.
* Nothing for a closed round, and nothing for a round whose window passed
  before mail began: leads are not chased for what they were never asked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .mail_log import Kind, MailKey, MailState
from .rounds import Round


@dataclass(frozen=True)
class MailPolicy:
    """The settings that decide when mail goes out."""

    reminder_days: tuple[int, ...] = (7, 1)
    grace_days: int = 14
    central_email: str | None = None


@dataclass(frozen=True)
class Item:
    """An indicator named in a message."""

    code: str
    title: str
    lead_organisation: str | None


@dataclass(frozen=True)
class Lead:
    """A named lead and the indicators they owe a return for."""

    name: str
    email: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class PlannedMail:
    """One message that is due: its key, recipient and what it lists."""

    key: MailKey
    recipient_name: str
    items: tuple[Item, ...] = ()  # a lead's outstanding indicators
    leads: tuple[Lead, ...] = ()  # summaries: the leads asked or overdue
    unassigned: tuple[Item, ...] = ()  # summaries: indicators nobody can be asked
    awaiting_laa: int = 0
    asked_on: str | None = None  # when the lead was first asked (reminders)

    @property
    def to_lead(self) -> bool:
        """Whether this goes to a lead (and so carries a personal link)."""
        return self.key.kind in ("request", "reminder", "overdue")

    @property
    def codes(self) -> tuple[str, ...]:
        """The indicator codes the message names."""
        listed = self.items or self.unassigned
        return tuple(i.code for i in listed)


def leads_of(outstanding: Mapping[str, Any]) -> tuple[list[Lead], list[Item]]:
    """Outstanding lead-reported indicators by lead, and those with nobody to ask.

    An indicator counts as having nobody to ask when it has no named lead or
    its named lead has no e-mail address.
    """
    by_email: dict[str, tuple[str, list[Item]]] = {}
    nobody: list[Item] = []
    for entry in outstanding["outstanding"]:
        item = Item(entry["code"], entry["title"], entry.get("lead_organisation"))
        lead = entry.get("named_lead") or {}
        email = (lead.get("email") or "").strip().lower()
        if not email:
            nobody.append(item)
            continue
        name = (lead.get("name") or "").strip() or email
        by_email.setdefault(email, (name, []))[1].append(item)
    leads = [
        Lead(name, email, tuple(sorted(items, key=lambda i: i.code)))
        for email, (name, items) in sorted(by_email.items())
    ]
    return leads, sorted(nobody, key=lambda i: i.code)


def due_reminder(
    reminder_days: Iterable[int], deadline: date, today: date, asked_on: date
) -> int | None:
    """The reminder offset due today, if any (the latest when several are due)."""
    due = [
        d
        for d in reminder_days
        if deadline - timedelta(days=d) <= today <= deadline
        and asked_on < deadline - timedelta(days=d)
    ]
    return min(due) if due else None


def plan_round(
    the_round: Round,
    outstanding: Mapping[str, Any],
    states: Mapping[str, MailState],
    today: date,
    policy: MailPolicy,
) -> list[PlannedMail]:
    """The messages about ``the_round`` that are due today and not yet sent."""
    if the_round.closed:
        return []
    requested = date.fromisoformat(the_round.requested)
    deadline = date.fromisoformat(the_round.deadline)
    asking = requested <= today <= deadline
    chasing = deadline < today <= deadline + timedelta(days=policy.grace_days)
    if not (asking or chasing):
        return []
    rid = the_round.id
    leads, nobody = leads_of(outstanding)
    planned: list[PlannedMail] = []
    for lead in leads:
        planned += _for_lead(rid, lead, states, today, deadline, asking, policy)
    central = (policy.central_email or "").strip().lower()
    if central:
        mailed = any(s.sent is not None for s in states.values())
        kind: Kind | None = None
        if asking:
            kind = "opening_summary"
        elif mailed and (leads or nobody):
            kind = "overdue_summary"
        if kind is not None:
            planned.append(
                PlannedMail(
                    key=MailKey(rid, central, kind),
                    recipient_name="Central performance team",
                    leads=tuple(leads),
                    unassigned=tuple(nobody),
                    awaiting_laa=len(outstanding.get("awaiting_laa") or ()),
                )
            )
    return [
        p
        for p in planned
        if (s := states.get(p.key.stream)) is None
        or (s.sent is None and not s.given_up)
    ]


def _for_lead(
    rid: str,
    lead: Lead,
    states: Mapping[str, MailState],
    today: date,
    deadline: date,
    asking: bool,
    policy: MailPolicy,
) -> list[PlannedMail]:
    request = MailKey(rid, lead.email, "request")
    asked = states.get(request.stream)
    if asked is None or asked.sent is None:
        if not asking:
            return []  # never asked: not chased after the deadline
        return [PlannedMail(request, lead.name, items=lead.items)]
    asked_on = asked.sent.sent_on
    if asking:
        offset = due_reminder(
            policy.reminder_days, deadline, today, date.fromisoformat(asked_on)
        )
        if offset is None:
            return []
        key = MailKey(rid, lead.email, "reminder", offset)
        return [PlannedMail(key, lead.name, items=lead.items, asked_on=asked_on)]
    key = MailKey(rid, lead.email, "overdue")
    return [PlannedMail(key, lead.name, items=lead.items, asked_on=asked_on)]
