"""An indicator's definition as its events describe it (the event contract).

Every service that follows indicator events needs the same reading of them;
keeping it beside the catalogue means the reading changes in one place when
an event type gains a field.
"""

from __future__ import annotations

from typing import Any

DEFINITION_FIELDS = (
    "code",
    "title",
    "outcome",
    "polarity",
    "unit",
    "frequency",
    "laa",
    "measurable",
    "lead_organisation",
    "named_lead",
    "tolerance",
    "baseline",
    "target",
    "milestones",
    "retired",
)

INDICATOR_EVENT_TYPES = (
    "IndicatorRegistered",
    "IndicatorAmended",
    "LeadOrganisationAssigned",
    "NamedLeadAssigned",
    "BaselineRecorded",
    "TargetSet",
    "MilestonesSet",
    "IndicatorRetired",
)


def apply_definition_event(
    current: dict[str, Any] | None, event_type: str, d: dict[str, Any]
) -> dict[str, Any] | None:
    """The definition (plain data, the fields above) after one indicator event."""
    if event_type == "IndicatorRegistered":
        base: dict[str, Any] = dict.fromkeys(DEFINITION_FIELDS)
        base.update({k: d.get(k) for k in DEFINITION_FIELDS if k in d})
        base.update(milestones=[], retired=False, baseline=None, target=None)
        return base
    if current is None:
        return None
    new = dict(current)
    match event_type:
        case "IndicatorAmended":
            new.update(d["changes"])
        case "LeadOrganisationAssigned":
            new["lead_organisation"] = d["lead_organisation"]
        case "NamedLeadAssigned":
            new["named_lead"] = d["named_lead"]
        case "BaselineRecorded":
            new["baseline"] = {"value": d["value"], "period_end": d["period_end"]}
        case "TargetSet":
            new["target"] = {
                "value": d["value"],
                "period_end": d["period_end"],
                "reason": d.get("reason"),
            }
        case "MilestonesSet":
            new["milestones"] = list(d["milestones"])
        case "IndicatorRetired":
            new["retired"] = True
    return new
