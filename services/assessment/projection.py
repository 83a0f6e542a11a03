"""The projection p of section 5: where the indicator is heading at the target date.

p is the least-squares straight line through the baseline (d0, b) and every result
(d_i, v_i) with d0 < d_i, evaluated at the target date; dates count in days. Results on
or before the baseline date are not part of the trend the plan is measured from.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date

from services.assessment.facts import Observed


def project(baseline: Observed, results: Iterable[Observed], at: date) -> float | None:
    """The projection at `at`, or None when no result lies after the baseline date.

    `results` must hold at most one result per period_end (corrections already
    applied). With the baseline and one result this is the line through the two.
    """
    start = baseline.period_end.toordinal()
    points = [(0, baseline.value)] + [
        (r.period_end.toordinal() - start, r.value)
        for r in results
        if r.period_end > baseline.period_end
    ]
    if len(points) < 2:
        return None
    return least_squares_at(points, at.toordinal() - start)


def least_squares_at(points: Sequence[tuple[int, float]], x: int) -> float:
    """The least-squares line through `points`, evaluated at x.

    Numerically careful: x is counted from the baseline (small exact integers), the
    line is fitted about the means so the large day numbers never meet the values,
    and sums are exactly rounded (`math.fsum`), which also makes the answer
    independent of the order the points come in.
    """
    n = len(points)
    x_mean = math.fsum(px for px, _ in points) / n
    y_mean = math.fsum(py for _, py in points) / n
    sxx = math.fsum((px - x_mean) ** 2 for px, _ in points)
    if sxx == 0:
        return y_mean
    sxy = math.fsum((px - x_mean) * (py - y_mean) for px, py in points)
    return y_mean + (sxy / sxx) * (x - x_mean)
