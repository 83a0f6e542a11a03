"""The status of section 5 (GREEN, AMBER, RED, or GREY with a reason) and its sentence.

This is the one place the RAG rule lives. A higher/lower indicator is judged on the gap
g = s * (p - T); a `closer_is_better` indicator on the distance |p - T|, because its
target is a level to stay near rather than a line to cross. AMBER exists only in the
`red_amber_green` mode.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.assessment.facts import (
    Definition,
    Observed,
    Point,
    Polarity,
    RagMode,
    Status,
    sign,
)
from services.assessment.numbers import geq, leq, say, say_date, say_month


def grey_reason(definition: Definition, results: Sequence[Observed]) -> str | None:
    """Why the indicator cannot be assessed (the GREY explanation), or None.

    The reasons are checked in the order section 5 lists them, so the sentence names
    the first thing the indicator needs.
    """
    if not definition.measurable:
        return "Not assessed: the indicator is not yet measurable (target needed later)"
    if definition.baseline is None:
        return "Not assessed: no baseline has been recorded"
    if definition.target is None:
        return "Not assessed: no target has been set"
    start = definition.baseline.period_end
    if not any(r.period_end > start for r in results):
        return f"Not assessed: no result after the baseline of {say_date(start)}"
    return None


def gap(polarity: Polarity, projection: float, target: float) -> float:
    """s * (p - T) (positive is ahead), or |p - T| for `closer_is_better`."""
    if polarity == "closer_is_better":
        return abs(projection - target)
    return sign(polarity) * (projection - target)


def rag_status(
    polarity: Polarity, projection: float, target: float, tol: float, mode: RagMode
) -> Status:
    """GREEN, AMBER or RED for an assessable indicator."""
    amber_allowed = mode == "red_amber_green"
    g = gap(polarity, projection, target)
    if polarity == "closer_is_better":
        if leq(g, tol):
            return "GREEN"
        return "AMBER" if amber_allowed and leq(g, 2 * tol) else "RED"
    if geq(g, 0):
        return "GREEN"
    return "AMBER" if amber_allowed and geq(g, -tol) else "RED"


def status_explanation(
    status: Status, polarity: Polarity, projection: float, target: Point, tol: float
) -> str:
    """The line a Board member reads, e.g.
    'Projected 66.3 at March 2011 against a target of 70: off target'."""
    head = (
        f"Projected {say(projection)} at {say_month(target.period_end)} "
        f"against a target of {say(target.value)}"
    )
    if status == "GREEN":
        if polarity == "closer_is_better":
            return f"{head}: on target (within the tolerance of {say(tol)})"
        return f"{head}: on target"
    if status == "AMBER":
        limit = "twice the tolerance" if polarity == "closer_is_better" else "tolerance"
        return f"{head}: off target, within {limit} of {say(tol)}"
    return f"{head}: off target"
