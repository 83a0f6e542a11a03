"""What the Board's covering paper highlights for a round (section 5).

Areas of concern are the indicators shown RED (after the Executive's decisions), worst
gap first; very good performance and significant improvement come from each
indicator's assessment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from services.assessment.facts import Assessment, Polarity, Status, sign
from services.assessment.numbers import geq, leq


def very_good_performance(
    polarity: Polarity, latest: float | None, target: float | None, tol: float | None
) -> bool:
    """The latest result already meets or beats the final target: s * (v - T) >= 0.

    For `closer_is_better` it is |v - T| <= tol. Without a latest result or a target
    (or, for `closer_is_better`, a tolerance) there is nothing to meet.
    """
    if latest is None or target is None:
        return False
    if polarity == "closer_is_better":
        return tol is not None and leq(abs(latest - target), tol)
    return geq(sign(polarity) * (latest - target), 0)


@dataclass(frozen=True, slots=True)
class BoardHighlights:
    """Indicator codes for the three highlight lists of a Board paper."""

    areas_of_concern: tuple[str, ...]
    very_good_performance: tuple[str, ...]
    significantly_improved: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "areas_of_concern": list(self.areas_of_concern),
            "very_good_performance": list(self.very_good_performance),
            "significantly_improved": list(self.significantly_improved),
        }


def board_highlights(
    entries: Iterable[tuple[str, Assessment, Status]],
) -> BoardHighlights:
    """The highlight lists from (code, computed assessment, shown status) entries.

    Worst gap first: a computed RED or AMBER is short of its target by |gap| (the gap
    is negative for higher/lower and the distance |p - T| for `closer_is_better`), so
    the largest |gap| comes first, whatever the polarity. An indicator shown RED only
    because the Executive accepted the lead's view while its projection is on target,
    or one that is not assessed, has no shortfall and follows. Ties go by code.
    """
    listed = sorted(entries, key=lambda entry: entry[0])
    concerns = sorted((e for e in listed if e[2] == "RED"), key=_concern_order)
    return BoardHighlights(
        areas_of_concern=tuple(code for code, _, _ in concerns),
        very_good_performance=tuple(
            code for code, a, _ in listed if a.very_good_performance
        ),
        significantly_improved=tuple(
            code for code, a, _ in listed if a.significantly_improved
        ),
    )


def concern_severity(assessment: Assessment) -> float:
    """How far short of target an indicator is, for ordering areas of concern.

    |gap| for a computed RED or AMBER; -1 (after every shortfall) when the
    projection is on target or the indicator is not assessed. Sorting by
    severity descending, then code, gives "worst gap first".
    """
    if assessment.gap is None or assessment.status not in ("RED", "AMBER"):
        return -1.0
    return abs(assessment.gap)


def _concern_order(entry: tuple[str, Assessment, Status]) -> tuple[float, str]:
    code, assessment, _ = entry
    return (-concern_severity(assessment), code)
