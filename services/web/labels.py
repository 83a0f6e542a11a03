"""The words pages use for statuses, directions, flags, units and dates.

A status is never shown by colour alone: every tag carries its words. A direction
of travel is an arrow and words; the arrow points up when performance improves,
whatever the indicator's polarity.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from services.reporting.reports.labels import (
    COMPARISON_FLAG_TITLES as COMPARISON_FLAG_TITLES,
)
from services.reporting.reports.labels import DIRECTIONS as REPORT_DIRECTIONS
from services.reporting.reports.labels import FLAG_TITLES as FLAG_TITLES
from services.reporting.reports.labels import STATUS_WORDS as STATUS_WORDS
from services.reporting.reports.labels import STATUSES as STATUSES
from shared.events.actors import parse_actor

NONE = "\N{EN DASH}"  # shown where there is no value
# The same words and arrows as the Board papers, so a page and a paper agree.
DIRECTIONS = {**REPORT_DIRECTIONS, "none": (NONE, "No previous result")}
PREDICTIONS = {"on_target": "On target", "off_target": "Off target"}
DECISIONS = {
    "upheld": "Upheld: the computed status stands",
    "lead_view_accepted": "Lead's view accepted",
}
UNITS = {
    "percent": "Percentage",
    "number": "Number of children",
    "rate_per_1000": "Rate per 1,000",
    "rate_per_10000": "Rate per 10,000",
    "rate_per_100000": "Rate per 100,000",
    "score": "Score",
    "percentage_points": "Percentage points",
    "average_score": "Average score",
}
UNIT_SUFFIX = {
    "percent": "%",
    "percentage_points": " pts",
    "rate_per_1000": " per 1,000",
    "rate_per_10000": " per 10,000",
    "rate_per_100000": " per 100,000",
}
POLARITIES = {
    "higher_is_better": "Higher is better",
    "lower_is_better": "Lower is better",
    "closer_is_better": "Closer to the target is better",
}
FREQUENCIES = {
    "annual": "Annual",
    "half_yearly": "Half-yearly",
    "quarterly": "Quarterly",
    "termly": "Termly",
    "monthly": "Monthly",
}
ROLES = {
    "admin": "central team",
    "lead": "indicator lead",
    "executive": "Executive",
    "viewer": "viewer",
}
ACTION_STATUS = {"open": "Open", "overdue": "Overdue", "completed": "Completed"}


def status_words(status: str | None) -> str:
    """'On target', 'Off target', ... for a status code."""
    return STATUS_WORDS.get(status or "GREY", str(status))


def number(value: float | int | None) -> str:
    """A figure with thousands separators and at most two decimals."""
    if value is None:
        return NONE
    v = float(value)
    if v.is_integer():
        return f"{v:,.0f}"
    return f"{v:,.2f}".rstrip("0").rstrip(".")


def figure(value: float | int | None, unit: str | None) -> str:
    """A figure with its unit, e.g. '63.2%' or '12 per 10,000'."""
    if value is None:
        return NONE
    return number(value) + UNIT_SUFFIX.get(unit or "", "")


def day(value: str | date | None) -> str:
    """An ISO date as '31 Mar 2010'."""
    if not value:
        return NONE
    try:
        d = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return f"{d.day} {d:%b %Y}"


def moment(value: str | None) -> str:
    """A stored UTC timestamp as '2 Jun 2008, 09:09 UTC'."""
    if not value:
        return NONE
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return f"{t.day} {t:%b %Y, %H:%M} UTC"


def actor(value: str | None) -> str:
    """'lead:Jo Bloggs#1a2b3c4d' (or older 'lead:Jo Bloggs') as 'Jo Bloggs (lead)'."""
    if not value:
        return NONE
    role, name, _token_id = parse_actor(value)
    return f"{name} ({role})" if role and name else value


def lead_name(named_lead: dict[str, Any] | None) -> str:
    """The named lead's name, or words saying there is none."""
    return (named_lead or {}).get("name") or "No named lead"
