"""The assessment's copy of indicator definitions, folded from indicator events.

Services never import each other, so assessment keeps the few definition
fields its rules read, applying the indicator events it follows.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .facts import Definition, Point

DefinitionData = dict[str, Any]


def apply_indicator_event(
    current: DefinitionData | None, event_type: str, d: dict[str, Any]
) -> DefinitionData | None:
    """The definition data after an indicator event."""
    if event_type == "IndicatorRegistered":
        lead = d.get("named_lead") or {}
        return {
            "code": d["code"],
            "polarity": d["polarity"],
            "frequency": d.get("frequency") or "annual",
            "measurable": bool(d.get("measurable", True)),
            "laa": bool(d.get("laa", False)),
            "retired": False,
            "lead_organisation": d.get("lead_organisation"),
            "named_lead": lead.get("name"),
            "baseline": None,
            "target": None,
            "milestones": [],
            "tolerance": d.get("tolerance"),
        }
    if current is None:
        return None
    new = dict(current)
    match event_type:
        case "IndicatorAmended":
            wanted = ("polarity", "frequency", "measurable", "laa", "tolerance")
            new.update({k: v for k, v in d["changes"].items() if k in wanted})
        case "LeadOrganisationAssigned":
            new["lead_organisation"] = d["lead_organisation"]
        case "NamedLeadAssigned":
            new["named_lead"] = (d.get("named_lead") or {}).get("name")
        case "BaselineRecorded":
            new["baseline"] = {"value": d["value"], "period_end": d["period_end"]}
        case "TargetSet":
            new["target"] = {"value": d["value"], "period_end": d["period_end"]}
        case "MilestonesSet":
            new["milestones"] = list(d["milestones"])
        case "IndicatorRetired":
            new["retired"] = True
    return new


def _point(p: dict[str, Any] | None) -> Point | None:
    if p is None:
        return None
    return Point(date.fromisoformat(p["period_end"]), float(p["value"]))


def to_definition(d: DefinitionData) -> Definition:
    """The rules' view of a definition."""
    return Definition(
        code=d["code"],
        polarity=d["polarity"],
        frequency=d["frequency"],
        measurable=d["measurable"],
        laa=d["laa"],
        retired=d["retired"],
        lead_organisation=d["lead_organisation"],
        named_lead=d["named_lead"],
        baseline=_point(d["baseline"]),
        target=_point(d["target"]),
        milestones=tuple(p for m in d["milestones"] if (p := _point(m)) is not None),
        tolerance=d["tolerance"],
    )
