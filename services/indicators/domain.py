"""The indicator aggregate: its state, how events change it, and its rules.

Pure: no I/O. ``evolve`` folds events into state; the ``decide_*`` functions
check a command against the state and answer with the events to append, or
raise a :mod:`shared.errors` exception with a reason a person can act on.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any

from shared import text
from shared.errors import Conflict, Invalid, NotFound
from shared.events.catalogue import current_version
from shared.events.definitions import DEFINITION_FIELDS
from shared.events.envelope import EventEnvelope, NewEvent
from shared.periods import PLAN_END

CODE_PATTERN = re.compile(text.CODE_PATTERN)
POLARITIES = ("higher_is_better", "lower_is_better", "closer_is_better")
FREQUENCIES = ("annual", "half_yearly", "quarterly", "termly", "monthly")
AMENDABLE = (
    "title",
    "outcome",
    "polarity",
    "unit",
    "frequency",
    "laa",
    "measurable",
    "tolerance",
)


@dataclass(frozen=True)
class Indicator:
    """The current definition of one indicator, as its events left it."""

    code: str
    title: str
    outcome: str
    polarity: str
    unit: str
    frequency: str
    laa: bool
    measurable: bool
    lead_organisation: str | None = None
    named_lead: dict[str, Any] | None = None
    tolerance: float | None = None
    baseline: dict[str, Any] | None = None
    target: dict[str, Any] | None = None
    milestones: list[dict[str, Any]] = field(default_factory=list)
    retired: bool = False
    version: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data of the definition."""
        return asdict(self)


def stream_of(code: str) -> str:
    """The event stream that holds one indicator's definition."""
    return f"indicator:{code}"


def evolve(state: Indicator | None, event: EventEnvelope) -> Indicator | None:
    """The indicator after a recorded event."""
    return apply(state, event.type, event.data, event.stream_version)


def apply(
    state: Indicator | None, event_type: str, d: dict[str, Any], version: int
) -> Indicator | None:
    """The indicator after an event of ``event_type`` with data ``d``."""
    if event_type == "IndicatorRegistered":
        fields: dict[str, Any] = {k: d.get(k) for k in _REGISTER_FIELDS}
        return Indicator(**fields, version=version)
    if state is None:
        return None
    changes: dict[str, Any]
    match event_type:
        case "IndicatorAmended":
            changes = dict(d["changes"])
        case "LeadOrganisationAssigned":
            changes = {"lead_organisation": d["lead_organisation"]}
        case "NamedLeadAssigned":
            changes = {"named_lead": d["named_lead"]}
        case "BaselineRecorded":
            changes = {"baseline": _point(d)}
        case "TargetSet":
            changes = {"target": {**_point(d), "reason": d.get("reason")}}
        case "MilestonesSet":
            changes = {"milestones": list(d["milestones"])}
        case "IndicatorRetired":
            changes = {"retired": True}
        case _:
            changes = {}
    return replace(state, **changes, version=version)


def fold(events: list[EventEnvelope]) -> Indicator | None:
    """The indicator after all of its events (None when never registered)."""
    state: Indicator | None = None
    for event in events:
        state = evolve(state, event)
    return state


# What a registration carries: the definition less what later commands set.
_REGISTER_FIELDS = tuple(
    f
    for f in DEFINITION_FIELDS
    if f not in ("baseline", "target", "milestones", "retired")
)


def _point(d: dict[str, Any]) -> dict[str, Any]:
    return {"value": d["value"], "period_end": d["period_end"]}


def _event(event_type: str, data: dict[str, Any]) -> NewEvent:
    return NewEvent(
        type=event_type, data=data, schema_version=current_version(event_type)
    )


def _existing(state: Indicator | None, code: str) -> Indicator:
    if state is None:
        raise NotFound(f"No indicator with code {code!r}")
    return state


def _live(state: Indicator | None, code: str) -> Indicator:
    ind = _existing(state, code)
    if ind.retired:
        raise Invalid(f"Indicator {code!r} is retired and cannot be changed")
    return ind


def check_code(code: str) -> str:
    """The code, or :class:`Invalid` when it breaks the code rule."""
    if len(code) > 32 or not CODE_PATTERN.match(code):
        raise Invalid(text.CODE_RULE, field="code")
    return code


def check_number(value: float, name: str) -> float:
    """A finite number, or :class:`Invalid` naming the field."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid(f"{name} must be a number", field=name)
    if not math.isfinite(value) or abs(value) > 1e15:
        raise Invalid(f"{name} must be a finite number of sensible size", field=name)
    return float(value)


def decide_register(state: Indicator | None, cmd: dict[str, Any]) -> list[NewEvent]:
    """Register a new indicator; its code must be free."""
    code = check_code(cmd["code"])
    if state is not None:
        raise Conflict(f"An indicator with code {code!r} already exists")
    data = {k: cmd.get(k) for k in _REGISTER_FIELDS}
    if data["tolerance"] is not None:
        data["tolerance"] = _tolerance(data["tolerance"])
    return [_event("IndicatorRegistered", data)]


def _tolerance(value: float) -> float:
    tol = check_number(value, "tolerance")
    if tol < 0:
        raise Invalid("tolerance must not be negative", field="tolerance")
    return tol


def decide_amend(
    state: Indicator | None, code: str, changes: dict[str, Any], reason: str | None
) -> list[NewEvent]:
    """Change definition fields; only fields that really change are recorded."""
    ind = _live(state, code)
    if "tolerance" in changes and changes["tolerance"] is not None:
        changes["tolerance"] = _tolerance(changes["tolerance"])
    current = ind.to_dict()
    real = {k: v for k, v in changes.items() if k in AMENDABLE and current[k] != v}
    if not real:
        return []
    return [
        _event("IndicatorAmended", {"code": code, "changes": real, "reason": reason})
    ]


def decide_lead(
    state: Indicator | None,
    code: str,
    cmd: dict[str, Any],
) -> list[NewEvent]:
    """Assign or change the lead organisation and/or the named lead."""
    ind = _live(state, code)
    out: list[NewEvent] = []
    if "lead_organisation" in cmd and cmd["lead_organisation"] != ind.lead_organisation:
        out.append(
            _event(
                "LeadOrganisationAssigned",
                {"code": code, "lead_organisation": cmd["lead_organisation"]},
            )
        )
    if "named_lead" in cmd and cmd["named_lead"] != ind.named_lead:
        out.append(
            _event("NamedLeadAssigned", {"code": code, "named_lead": cmd["named_lead"]})
        )
    return out


def decide_baseline(
    state: Indicator | None, code: str, value: float, period_end: date
) -> list[NewEvent]:
    """Record the indicator's baseline (value and the period it is for)."""
    _live(state, code)
    data = {
        "code": code,
        "value": check_number(value, "value"),
        "period_end": period_end.isoformat(),
    }
    return [_event("BaselineRecorded", data)]


def decide_target(
    state: Indicator | None,
    code: str,
    value: float,
    period_end: date | None,
    reason: str | None,
) -> list[NewEvent]:
    """Agree or revise the target; it must fall after the baseline."""
    ind = _live(state, code)
    due = period_end or PLAN_END
    if ind.baseline and due.isoformat() <= ind.baseline["period_end"]:
        raise Invalid(
            f"target period_end {due} must be after the baseline's "
            f"{ind.baseline['period_end']}",
            field="period_end",
        )
    data = {
        "code": code,
        "value": check_number(value, "value"),
        "period_end": due.isoformat(),
        "reason": reason,
    }
    return [_event("TargetSet", data)]


def decide_milestones(
    state: Indicator | None, code: str, milestones: list[tuple[float, date]]
) -> list[NewEvent]:
    """Set the interim targets (one per date, in date order)."""
    _live(state, code)
    dates = [d for _, d in milestones]
    if len(set(dates)) != len(dates):
        raise Invalid("milestones must have distinct period_end dates", "milestones")
    items = [
        {"value": check_number(v, "milestones.value"), "period_end": d.isoformat()}
        for v, d in sorted(milestones, key=lambda m: m[1])
    ]
    return [_event("MilestonesSet", {"code": code, "milestones": items})]


def decide_retire(
    state: Indicator | None, code: str, reason: str | None
) -> list[NewEvent]:
    """Withdraw the indicator from the framework (its history stays)."""
    _live(state, code)
    return [_event("IndicatorRetired", {"code": code, "reason": reason})]
