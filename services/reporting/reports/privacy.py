"""What a Board paper may say about people: organisations and roles, no contact details.

The Board paper is a public document (it goes on the council's website with the
Board's agenda), so it names the lead organisation of each indicator and the role
of its named lead where one is recorded (``named_lead.role``), never a person's
name or e-mail address. The Executive paper is internal: it keeps the named
lead's name, but no paper prints an e-mail address. Free text (the lead's
commentary, data-quality notes, decision notes, action owners) is printed as
written, except that an e-mail address in it is replaced by
:data:`REMOVED`: leads sometimes sign their commentary.

Applied to the snapshot when it is built (so a published snapshot never holds
an address) and again when a paper is laid out (so a snapshot from elsewhere
cannot bring one in). Idempotent.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from shared.events.actors import parse_actor

REMOVED = "[e-mail address removed]"
EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_FREE_TEXT = ("commentary", "data_quality")
ROLE_WORDS = {"executive": "the Executive", "admin": "the performance team"}


def without_emails(text: str) -> str:
    """``text`` with every e-mail address replaced by :data:`REMOVED`."""
    return EMAIL.sub(REMOVED, text)


def lead_for(kind: str, lead: dict[str, Any] | None) -> dict[str, Any] | None:
    """The named lead as a paper of ``kind`` may show it."""
    if not lead:
        return None
    role = lead.get("role")
    if kind == "board":
        return {"role": without_emails(str(role))} if role else {"assigned": True}
    kept = {k: v for k, v in lead.items() if k != "email"}
    if isinstance(kept.get("name"), str):
        kept["name"] = without_emails(kept["name"])
    return kept


def private_data_removed(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``snapshot`` with what its kind of paper may not print removed."""
    data = copy.deepcopy(snapshot)
    kind = str(data.get("kind") or "executive")
    for indicator in data.get("indicators") or []:
        indicator["named_lead"] = lead_for(kind, indicator.get("named_lead"))
        latest = indicator.get("latest_result")
        if isinstance(latest, dict):
            for key in _FREE_TEXT:
                if isinstance(latest.get(key), str):
                    latest[key] = without_emails(latest[key])
            if "submitted_by" in latest:
                latest["submitted_by"] = _who(kind, latest["submitted_by"])
        _decision(kind, indicator.get("decision"))
    for challenge in data.get("challenges") or []:
        _decision(kind, challenge.get("decision"))
    for action in data.get("actions") or []:
        for key in ("owner", "description", "outcome", "note", "assigned_by"):
            if isinstance(action.get(key), str):
                action[key] = without_emails(action[key])
    return data


def _decision(kind: str, decision: Any) -> None:
    if not isinstance(decision, dict):
        return
    if isinstance(decision.get("note"), str):
        decision["note"] = without_emails(decision["note"])
    if isinstance(decision.get("decided_by"), str):
        # a challenge decision is the Executive's, whoever typed it in
        decision["decided_by"] = (
            "the Executive" if kind == "board" else _who(kind, decision["decided_by"])
        )


def _who(kind: str, actor: Any) -> Any:
    """An actor as a paper shows it: the role alone in a Board paper."""
    if not isinstance(actor, str):
        return actor
    if kind == "board":
        role = parse_actor(actor).role
        return ROLE_WORDS.get(role, role or "recorded")
    return without_emails(actor)
