"""How the council compares with England, its region and its statistical neighbours.

Pure: plain values in, plain values out (see docs/comparators.md). A council
performance officer reads the same numbers from LG Inform or the DfE's LAIT:
the England and regional figures, the average of the statistical neighbours,
the council's rank and quartile among its neighbours, and the gap to England
with whether it closed or widened since the previous period.

Polarity decides which end is best. A ``closer_is_better`` indicator is
ranked by distance to its target, and has no rank or gap without one.
Differences within 1e-9 count as equal (PRODUCT.md 5), so equal values share
a rank and an unchanged gap is ``unchanged``.

The two flags are informational only: they never change a RAG status.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

EPSILON = 1e-9

Polarity = Literal["higher_is_better", "lower_is_better", "closer_is_better"]
GapDirection = Literal["closing", "widening", "unchanged", "none"]

BELOW_ENGLAND_WIDENING = "BELOW_ENGLAND_WIDENING"
BOTTOM_QUARTILE_NEIGHBOURS = "BOTTOM_QUARTILE_NEIGHBOURS"


@dataclass(frozen=True)
class ComparisonFlag:
    """An informational flag: a code and the sentence a Board member reads."""

    code: str
    explanation: str


@dataclass(frozen=True)
class PeriodFigures:
    """What is known for one indicator and period: the council's own value,
    England's, its region's, and each neighbour's (area code -> value; a
    neighbour without a figure is left out)."""

    period_end: str
    council: float | None
    england: float | None = None
    region: float | None = None
    neighbours: Mapping[str, float] = field(default_factory=dict)
    # Every other council's figure the files hold (neighbours and other
    # councils alike), for the rank among all councils.
    councils: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Comparison:
    """The council against its comparators for one period."""

    period_end: str
    council: float | None
    england: float | None
    region: float | None
    neighbour_average: float | None
    neighbours_with_figures: int
    rank: int | None  # 1 = best among the council and its neighbours
    ranked: int  # how many areas were ranked (council included)
    quartile: int | None  # 1 = top quartile, 4 = bottom
    gap_to_england: float | None  # > 0 better than England, < 0 worse
    previous_period_end: str | None
    gap_direction: GapDirection
    flags: tuple[ComparisonFlag, ...]
    # Among every council the files hold, when they hold more than the
    # neighbours (a national release): None and 0 otherwise.
    rank_all: int | None = None
    ranked_all: int = 0
    quartile_all: int | None = None


def goodness(value: float, polarity: Polarity, target: float | None) -> float | None:
    """A score where higher is better: the value, its negation, or minus the
    distance to the target (None for ``closer_is_better`` without a target)."""
    if polarity == "higher_is_better":
        return value
    if polarity == "lower_is_better":
        return -value
    if target is None:
        return None
    return -abs(value - target)


def rank_among(
    council: float, others: Sequence[float], polarity: Polarity, target: float | None
) -> int | None:
    """The council's rank among itself and ``others``: 1 + how many are
    strictly better, so ties share a rank (1, 2, 2, 4)."""
    own = goodness(council, polarity, target)
    if own is None:
        return None
    better = 0
    for value in others:
        score = goodness(value, polarity, target)
        if score is not None and score > own + EPSILON:
            better += 1
    return better + 1


def quartile_of(rank: int, ranked: int) -> int:
    """The quartile of a rank among ``ranked`` areas: 1 top, 4 bottom."""
    return min(4, max(1, math.ceil(4 * rank / ranked)))


def gap_to(
    council: float | None,
    comparator: float | None,
    polarity: Polarity,
    target: float | None,
) -> float | None:
    """How much better (> 0) or worse (< 0) the council is than ``comparator``."""
    if council is None or comparator is None:
        return None
    own = goodness(council, polarity, target)
    theirs = goodness(comparator, polarity, target)
    if own is None or theirs is None:
        return None
    return own - theirs


def gap_direction(now: float | None, before: float | None) -> GapDirection:
    """Closing when the distance to England shrank, widening when it grew."""
    if now is None or before is None:
        return "none"
    change = abs(now) - abs(before)
    if abs(change) <= EPSILON:
        return "unchanged"
    return "closing" if change < 0 else "widening"


def compare(
    periods: Sequence[PeriodFigures],
    polarity: Polarity,
    target: float | None = None,
    period_end: str | None = None,
) -> Comparison | None:
    """The comparison for ``period_end`` (default: the latest period where the
    council has a value, else the latest with any figure); None with no periods.

    The previous period is the latest earlier one with both a council and an
    England figure, so the gap's direction compares like with like.
    """
    by_period = {p.period_end: p for p in periods}
    if not by_period:
        return None
    if period_end is None:
        own = [p for p in by_period if by_period[p].council is not None]
        period_end = max(own) if own else max(by_period)
    now = by_period.get(period_end)
    if now is None:
        return None
    gap = gap_to(now.council, now.england, polarity, target)
    earlier = [
        p
        for p in sorted(by_period, reverse=True)
        if p < period_end
        and by_period[p].council is not None
        and by_period[p].england is not None
    ]
    previous = earlier[0] if earlier else None
    gap_before = (
        gap_to(
            by_period[previous].council,
            by_period[previous].england,
            polarity,
            target,
        )
        if previous
        else None
    )
    direction = gap_direction(gap, gap_before)
    values = list(now.neighbours.values())
    average = sum(values) / len(values) if values else None
    rank: int | None = None
    quartile: int | None = None
    ranked = 0
    if now.council is not None:
        rank = rank_among(now.council, values, polarity, target)
        if rank is not None:
            ranked = 1 + sum(
                1 for v in values if goodness(v, polarity, target) is not None
            )
            quartile = quartile_of(rank, ranked) if ranked > 1 else None
    rank_all, ranked_all, quartile_all = _among_all(now, polarity, target)
    return Comparison(
        period_end=period_end,
        council=now.council,
        england=now.england,
        region=now.region,
        neighbour_average=average,
        neighbours_with_figures=len(values),
        rank=rank,
        ranked=ranked,
        quartile=quartile,
        gap_to_england=gap,
        previous_period_end=previous,
        gap_direction=direction,
        flags=_flags(gap, direction, quartile),
        rank_all=rank_all,
        ranked_all=ranked_all,
        quartile_all=quartile_all,
    )


def _among_all(
    now: PeriodFigures, polarity: Polarity, target: float | None
) -> tuple[int | None, int, int | None]:
    """The council's rank, the areas ranked and its quartile among every
    council with a figure, when the files hold councils beyond the neighbours."""
    others = dict(now.councils)
    if now.council is None or not set(others) - set(now.neighbours):
        return None, 0, None
    values = list(others.values())
    rank = rank_among(now.council, values, polarity, target)
    if rank is None:
        return None, 0, None
    ranked = 1 + sum(1 for v in values if goodness(v, polarity, target) is not None)
    return rank, ranked, quartile_of(rank, ranked) if ranked > 1 else None


def _flags(
    gap: float | None, direction: GapDirection, quartile: int | None
) -> tuple[ComparisonFlag, ...]:
    found = []
    if gap is not None and gap < -EPSILON and direction == "widening":
        found.append(
            ComparisonFlag(
                BELOW_ENGLAND_WIDENING,
                "Worse than England, and the gap to England widened since the "
                "previous period",
            )
        )
    if quartile == 4:
        found.append(
            ComparisonFlag(
                BOTTOM_QUARTILE_NEIGHBOURS,
                "In the bottom quartile of the council and its statistical neighbours",
            )
        )
    return tuple(found)
