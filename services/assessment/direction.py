"""Direction of travel and significant improvement (section 5).

Both compare the latest result v with the previous one v_prev (the latest result before
it by period_end). A higher/lower indicator moves in the direction s * (v - v_prev); a
`closer_is_better` indicator improves when its distance to the target shrinks.

Decisions where section 5 is silent:
- A `closer_is_better` indicator without a target has no level to move towards, so its
  direction is `none` and it is never significantly improved.
- The previous result may be dated on or before the baseline: direction of travel is
  about the results themselves, not the plan, and the baseline is not a result (one
  result alone has direction `none`).
"""

from __future__ import annotations

from services.assessment.facts import Direction, Polarity, sign
from services.assessment.numbers import geq, gt, is_zero, lt


def direction_of_travel(
    polarity: Polarity, latest: float, previous: float | None, target: float | None
) -> Direction:
    """improving, worsening, no_change (equal up to rounding) or none."""
    movement = _movement(polarity, latest, previous, target)
    if movement is None:
        return "none"
    if gt(movement, 0):
        return "improving"
    return "worsening" if lt(movement, 0) else "no_change"


def significantly_improved(
    polarity: Polarity,
    latest: float,
    previous: float | None,
    target: float | None,
    significance: float,
) -> bool:
    """Improving by at least `significance` of where it started from.

    For higher/lower the yardstick is |v_prev| (any improvement from 0 counts); for
    `closer_is_better` it is the previous distance |v_prev - T|.
    """
    movement = _movement(polarity, latest, previous, target)
    if movement is None or previous is None or not gt(movement, 0):
        return False
    if polarity == "closer_is_better" and target is not None:
        return geq(movement, significance * abs(previous - target))
    return is_zero(previous) or geq(movement, significance * abs(previous))


def _movement(
    polarity: Polarity, latest: float, previous: float | None, target: float | None
) -> float | None:
    """How far the latest result moved the good way (negative: the bad way)."""
    if previous is None:
        return None
    if polarity == "closer_is_better":
        if target is None:
            return None
        return abs(previous - target) - abs(latest - target)
    return sign(polarity) * (latest - previous)
