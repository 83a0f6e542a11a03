"""The trajectory of section 5: where the plan expects the indicator to be by a date.

The expected path is the straight line from the baseline (d0, b) to the target
(dT, T), or, when milestones exist, the broken line through the baseline, the
milestones in date order and the target. Before the baseline or after the target the
first or last segment is extended, so a late result is still judged against the
plan's slope.

Decisions where section 5 is silent:
- Milestones dated on or before the baseline, or on or after the target date, are
  ignored: the baseline and the target anchor the ends of the plan. Of several
  milestones for one date, the last one given counts.
- If the target date is the baseline date the path is the target itself.
- For `closer_is_better` (no sign) a result is on trajectory when it lies within
  the tolerance of the expected value, |v - expected(d)| <= tol, the same band that
  makes its status GREEN.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from services.assessment.facts import Observed, Polarity, sign
from services.assessment.numbers import geq, leq


def expected(
    baseline: Observed, target: Observed, milestones: Sequence[Observed], on: date
) -> float:
    """The value the plan expects at `on`."""
    knots = _knots(baseline, target, milestones)
    x = on.toordinal()
    at_corner = dict(knots).get(x)
    if at_corner is not None:
        return at_corner
    if len(knots) == 1:
        return knots[0][1]
    after = next((i for i, (kx, _) in enumerate(knots) if kx > x), len(knots) - 1)
    (x0, y0), (x1, y1) = knots[max(after, 1) - 1], knots[max(after, 1)]
    return y0 + (y1 - y0) * (x - x0) / (x1 - x0)


def on_trajectory(
    polarity: Polarity, value: float, expected_value: float, tol: float
) -> bool:
    """s * (v - expected) >= 0; for `closer_is_better`, |v - expected| <= tol."""
    if polarity == "closer_is_better":
        return leq(abs(value - expected_value), tol)
    return geq(sign(polarity) * (value - expected_value), 0)


def _knots(
    baseline: Observed, target: Observed, milestones: Sequence[Observed]
) -> list[tuple[int, float]]:
    """The corners of the path in date order, one per date."""
    start, end = baseline.period_end, target.period_end
    if start == end:
        return [(end.toordinal(), target.value)]
    low, high = min(start, end), max(start, end)
    inside = {
        m.period_end.toordinal(): m.value
        for m in milestones
        if low < m.period_end < high
    }
    ends = [(start.toordinal(), baseline.value), (end.toordinal(), target.value)]
    return sorted([*ends, *inside.items()])
