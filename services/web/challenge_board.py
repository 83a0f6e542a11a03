"""What the Executive may decide at a round: raised challenges and sensible choices.

A flag on a round's assessment becomes a challenge (``ChallengeRaised``) once
the round is closed or its deadline has passed; before that the lead may still
send a return that clears it, so the page shows the flag but offers no
decision. The choices offered follow from the facts: "accept the lead's view"
only where the lead's latest return gave a prediction whose status differs
from the computed one; otherwise the computed status stands and the Executive
records that they reviewed it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from services.assessment.tables import round_assessments

LEAD_VIEW_STATUS = {"on_target": "GREEN", "off_target": "RED"}


def raised_at(engine: Engine, round_id: str | None = None) -> dict[str, set[str]]:
    """The flag codes raised as challenges, keyed ``"round id|indicator code"``
    (of one round, or of all); the page pairs them with the current flags."""
    t = round_assessments
    query = sa.select(t.c.round_id, t.c.code, t.c.raised)
    if round_id is not None:
        query = query.where(t.c.round_id == round_id)
    found: dict[str, set[str]] = {}
    with engine.connect() as conn:
        for rid, code, raw in conn.execute(query):
            flags = set(json.loads(raw) or ())
            if flags:
                found[f"{rid}|{code}"] = flags
    return found


def lead_view(assessment: Mapping[str, Any]) -> str | None:
    """The status the lead's prediction stands for, when it differs from the
    computed status (None when there is no other view to accept)."""
    prediction = (assessment.get("latest") or {}).get("prediction")
    status = LEAD_VIEW_STATUS.get(prediction or "")
    if status is None or status == assessment.get("computed_status"):
        return None
    return status


def choices(assessment: Mapping[str, Any]) -> list[str]:
    """The decisions that make sense for this flagged assessment."""
    return (
        ["upheld"]
        if lead_view(assessment) is None
        else [
            "upheld",
            "lead_view_accepted",
        ]
    )
