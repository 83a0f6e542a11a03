"""Trajectory: where the plan expects the indicator to be by a result's date."""

from __future__ import annotations

from datetime import date

import pytest

from services.assessment.assess import assess
from services.assessment.facts import Point, Polarity
from services.assessment.trajectory import expected, on_trajectory
from tests.unit.assessment.given import D0, DT, Y1, Y2, indicator, result

BASELINE, TARGET = Point(D0, 50.0), Point(DT, 70.0)
MILESTONES = (Point(Y2, 60.0), Point(Y1, 52.0))  # given out of order on purpose
AFTER_PLAN = date(2012, 3, 31)  # 366 days after the target date
BEFORE_PLAN = date(2007, 3, 31)  # 366 days before the baseline


@pytest.mark.parametrize(
    ("milestones", "on", "value"),
    [
        pytest.param((), D0, 50.0, id="line-at-baseline"),
        pytest.param((), DT, 70.0, id="line-at-target"),
        pytest.param((), Y1, 50 + 20 * 365 / 1095, id="line-one-year-on"),
        pytest.param((), AFTER_PLAN, 70 + 20 * 366 / 1095, id="line-extended-after"),
        pytest.param((), BEFORE_PLAN, 50 - 20 * 366 / 1095, id="line-extended-before"),
        pytest.param(MILESTONES, Y1, 52.0, id="at-first-milestone"),
        pytest.param(MILESTONES, Y2, 60.0, id="at-second-milestone"),
        pytest.param(
            MILESTONES, date(2009, 9, 30), 52 + 8 * 183 / 365, id="between-milestones"
        ),
        pytest.param(
            MILESTONES, date(2008, 9, 30), 50 + 2 * 183 / 365, id="first-segment"
        ),
        pytest.param(
            MILESTONES, date(2010, 9, 30), 60 + 10 * 183 / 365, id="last-segment"
        ),
        pytest.param(
            MILESTONES, AFTER_PLAN, 70 + 10 * 366 / 365, id="last-segment-extended"
        ),
        pytest.param(
            MILESTONES, BEFORE_PLAN, 50 - 2 * 366 / 365, id="first-segment-extended"
        ),
        pytest.param(
            (Point(date(2007, 3, 31), 0.0), Point(AFTER_PLAN, 0.0)),
            Y1,
            50 + 20 * 365 / 1095,
            id="milestones-outside-the-plan-ignored",
        ),
        pytest.param(
            (Point(D0, 0.0), Point(DT, 0.0)),
            Y1,
            50 + 20 * 365 / 1095,
            id="milestones-on-the-ends-ignored",
        ),
        pytest.param(
            (Point(Y1, 0.0), Point(Y1, 55.0)), Y1, 55.0, id="last-milestone-per-date"
        ),
    ],
)
def test_expected_value(milestones: tuple[Point, ...], on: date, value: float) -> None:
    assert expected(BASELINE, TARGET, milestones, on) == pytest.approx(value, abs=1e-9)


def test_target_dated_at_the_baseline_expects_the_target() -> None:
    assert expected(BASELINE, Point(D0, 70.0), (), Y1) == 70.0


@pytest.mark.parametrize(
    ("polarity", "value", "expected_value", "tol", "on"),
    [
        pytest.param("higher_is_better", 60.0, 60.0, 1.0, True, id="hi-on-the-line"),
        pytest.param("higher_is_better", 61.0, 60.0, 1.0, True, id="hi-ahead"),
        pytest.param("higher_is_better", 60 - 1e-10, 60.0, 1.0, True, id="hi-eps"),
        pytest.param("higher_is_better", 59.9, 60.0, 1.0, False, id="hi-behind"),
        pytest.param("lower_is_better", 59.9, 60.0, 1.0, True, id="lo-ahead"),
        pytest.param("lower_is_better", 60.1, 60.0, 1.0, False, id="lo-behind"),
        pytest.param("closer_is_better", 61.0, 60.0, 1.0, True, id="near-edge-above"),
        pytest.param("closer_is_better", 59.0, 60.0, 1.0, True, id="near-edge-below"),
        pytest.param("closer_is_better", 61.1, 60.0, 1.0, False, id="near-outside"),
    ],
)
def test_on_trajectory(
    polarity: Polarity, value: float, expected_value: float, tol: float, on: bool
) -> None:
    assert on_trajectory(polarity, value, expected_value, tol) is on


@pytest.mark.parametrize(
    ("milestones", "value", "on"),
    [
        pytest.param((), 63.0, False, id="straight-line-expects-63.3"),
        pytest.param((), 64.0, True, id="straight-line-beaten"),
        pytest.param(MILESTONES, 60.0, True, id="milestone-met"),
        pytest.param(MILESTONES, 59.9, False, id="milestone-missed"),
    ],
)
def test_assessment_reports_the_trajectory(
    milestones: tuple[Point, ...], value: float, on: bool
) -> None:
    assessment = assess(indicator(milestones=milestones), [result(Y2, value)])
    assert assessment.on_trajectory is on
    assert assessment.expected == pytest.approx(
        expected(BASELINE, TARGET, milestones, Y2)
    )


def test_no_trajectory_when_not_assessed() -> None:
    assessment = assess(indicator(target=None), [result(Y2, 60.0)])
    assert (assessment.expected, assessment.on_trajectory) == (None, None)
