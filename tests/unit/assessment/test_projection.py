"""The projection: the least-squares line through the baseline and later results."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from services.assessment.facts import Point
from services.assessment.projection import least_squares_at, project
from tests.unit.assessment.given import D0, DT, Y1, Y2

BASELINE = Point(D0, 50.0)


def exact_least_squares(points: list[tuple[int, float]], x: int) -> float:
    """The textbook formula in exact arithmetic, to check the careful float one."""
    exact = [(Fraction(px), Fraction(py)) for px, py in points]
    n = len(exact)
    sx, sy = sum(p for p, _ in exact), sum(q for _, q in exact)
    sxx, sxy = sum(p * p for p, _ in exact), sum(p * q for p, q in exact)
    slope = (n * sxy - sx * sy) / (n * sxx - sx * sx)
    return float((sy - slope * sx) / n + slope * x)


@pytest.mark.parametrize(
    ("results", "projection"),
    [
        pytest.param([Point(Y1, 60.0)], 80.0, id="one-result-line-through-two"),
        pytest.param([Point(Y1, 50.0)], 50.0, id="flat"),
        pytest.param([Point(Y2, 40.0)], 35.0, id="falling"),
        pytest.param(
            [Point(Y1, 55.0), Point(Y2, 65.0)], 50 + 65 / 3, id="three-points"
        ),
        pytest.param([Point(Y1, 60.0), Point(Y2, 70.0)], 80.0, id="already-on-a-line"),
        pytest.param(
            [Point(date(2007, 3, 31), 1000.0), Point(Y1, 60.0)],
            80.0,
            id="results-before-the-baseline-ignored",
        ),
        pytest.param(
            [Point(D0, 1000.0), Point(Y1, 60.0)],
            80.0,
            id="result-on-the-baseline-date-ignored",
        ),
        pytest.param(
            [Point(Y2, 65.0), Point(Y1, 55.0)], 50 + 65 / 3, id="order-does-not-matter"
        ),
    ],
)
def test_projection_at_the_target_date(results: list[Point], projection: float) -> None:
    assert project(BASELINE, results, DT) == pytest.approx(projection, abs=1e-9)


@pytest.mark.parametrize(
    "results",
    [
        pytest.param([], id="no-results"),
        pytest.param([Point(date(2007, 3, 31), 40.0)], id="only-before-baseline"),
        pytest.param([Point(D0, 40.0)], id="only-on-baseline-date"),
    ],
)
def test_no_projection_without_a_result_after_the_baseline(
    results: list[Point],
) -> None:
    assert project(BASELINE, results, DT) is None


def test_uneven_spacing_matches_the_exact_textbook_answer() -> None:
    results = [
        Point(date(2008, 6, 30), 51.3),
        Point(date(2008, 9, 30), 49.8),
        Point(date(2009, 3, 31), 55.1),
        Point(date(2009, 12, 31), 58.7),
    ]
    start = D0.toordinal()
    points = [(0, 50.0)] + [
        (r.period_end.toordinal() - start, r.value) for r in results
    ]
    expected = exact_least_squares(points, DT.toordinal() - start)
    assert project(BASELINE, results, DT) == pytest.approx(expected, abs=1e-9)


def test_line_through_large_values_stays_exact() -> None:
    # rates per 10,000 over decades of days: centring keeps the day numbers apart
    # from the values, so the line through the points comes back to the target.
    baseline = Point(D0, 12_345.6)
    results = [Point(Y1, 12_445.6), Point(Y2, 12_545.6)]
    assert project(baseline, results, DT) == pytest.approx(12_645.6, abs=1e-9)


def test_a_single_abscissa_gives_the_mean() -> None:
    assert least_squares_at([(3, 1.0), (3, 2.0)], 10) == 1.5
