"""The rules' view of an indicator definition, read from the event contract's
plain definition data (``shared.events.definitions``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from shared.events.definitions import apply_definition_event

from .facts import Definition, Point

__all__ = ["apply_indicator_event", "to_definition"]

apply_indicator_event = apply_definition_event


def _point(p: dict[str, Any] | None) -> Point | None:
    if p is None:
        return None
    return Point(date.fromisoformat(p["period_end"]), float(p["value"]))


def to_definition(d: dict[str, Any]) -> Definition:
    """The rules' view of a definition."""
    lead = d.get("named_lead") or {}
    return Definition(
        code=d["code"],
        polarity=d["polarity"],
        frequency=d.get("frequency") or "annual",
        measurable=bool(d.get("measurable", True)),
        laa=bool(d.get("laa", False)),
        retired=bool(d.get("retired", False)),
        lead_organisation=d.get("lead_organisation"),
        named_lead=lead.get("name") or lead.get("email"),
        baseline=_point(d.get("baseline")),
        target=_point(d.get("target")),
        milestones=tuple(p for m in d.get("milestones") or [] if (p := _point(m))),
        tolerance=d.get("tolerance"),
    )
