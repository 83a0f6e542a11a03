"""Status: GREEN / AMBER / RED on the projection, or GREY with the reason why."""

from __future__ import annotations

from datetime import date

import pytest

from services.assessment.assess import assess
from services.assessment.facts import (
    Definition,
    FrameworkSettings,
    Polarity,
    RagMode,
    Result,
    Status,
)
from services.assessment.status import gap, rag_status, status_explanation
from tests.unit.assessment.given import D0, Y1, indicator, result, two_year

RG = FrameworkSettings(rag_mode="red_green")
RAG = FrameworkSettings(rag_mode="red_amber_green")


# One result a year after the baseline and the target two years after it, so the
# projection is b + 2 * (v - b). Tolerances: 1 (50 -> 70), 0.5 (30 -> 20), and
# 0.5 for the context indicator held at 10 (5% of |T| when T equals b).
@pytest.mark.parametrize(
    ("polarity", "baseline", "target", "value", "in_rg", "in_rag", "expected_gap"),
    [
        pytest.param(
            "higher_is_better", 50, 70, 61, "GREEN", "GREEN", 2, id="hi-ahead"
        ),
        pytest.param(
            "higher_is_better", 50, 70, 60, "GREEN", "GREEN", 0, id="hi-exactly-on"
        ),
        pytest.param(
            "higher_is_better",
            50,
            70,
            60 - 2.5e-10,
            "GREEN",
            "GREEN",
            -5e-10,
            id="hi-on-up-to-rounding",
        ),
        pytest.param(
            "higher_is_better",
            50,
            70,
            60 - 1e-8,
            "RED",
            "AMBER",
            -2e-8,
            id="hi-beyond-rounding",
        ),
        pytest.param(
            "higher_is_better", 50, 70, 59.75, "RED", "AMBER", -0.5, id="hi-amber-band"
        ),
        pytest.param(
            "higher_is_better", 50, 70, 59.5, "RED", "AMBER", -1, id="hi-amber-edge"
        ),
        pytest.param(
            "higher_is_better", 50, 70, 59.4, "RED", "RED", -1.2, id="hi-past-amber"
        ),
        pytest.param("higher_is_better", 50, 70, 54, "RED", "RED", -12, id="hi-red"),
        pytest.param(
            "higher_is_better", 50, 70, 45, "RED", "RED", -30, id="hi-falling"
        ),
        pytest.param("lower_is_better", 30, 20, 24, "GREEN", "GREEN", 2, id="lo-ahead"),
        pytest.param("lower_is_better", 30, 20, 25, "GREEN", "GREEN", 0, id="lo-on"),
        pytest.param(
            "lower_is_better", 30, 20, 25.2, "RED", "AMBER", -0.4, id="lo-amber"
        ),
        pytest.param(
            "lower_is_better", 30, 20, 25.25, "RED", "AMBER", -0.5, id="lo-amber-edge"
        ),
        pytest.param("lower_is_better", 30, 20, 26, "RED", "RED", -2, id="lo-red"),
        pytest.param(
            "closer_is_better", 10, 10, 10.2, "GREEN", "GREEN", 0.4, id="near-inside"
        ),
        pytest.param(
            "closer_is_better", 10, 10, 9.75, "GREEN", "GREEN", 0.5, id="near-edge"
        ),
        pytest.param(
            "closer_is_better", 10, 10, 10.4, "RED", "AMBER", 0.8, id="near-amber"
        ),
        pytest.param(
            "closer_is_better", 10, 10, 10.5, "RED", "AMBER", 1, id="near-amber-edge"
        ),
        pytest.param(
            "closer_is_better", 10, 10, 9.4, "RED", "RED", 1.2, id="near-red-below"
        ),
        pytest.param(
            "closer_is_better", 10, 10, 10.6, "RED", "RED", 1.2, id="near-red-above"
        ),
        pytest.param(
            "closer_is_better", 8, 10, 9, "GREEN", "GREEN", 0, id="near-moving-to"
        ),
        pytest.param(
            "higher_is_better", 70, 70, 69.5, "RED", "AMBER", -1, id="hold-level"
        ),
        pytest.param("higher_is_better", 0, 0, 0, "GREEN", "GREEN", 0, id="hold-zero"),
        pytest.param(
            "higher_is_better", 0, 0, -0.001, "RED", "RED", -0.002, id="zero-tolerance"
        ),
    ],
)
def test_status_from_the_projection(
    polarity: Polarity,
    baseline: float,
    target: float,
    value: float,
    in_rg: Status,
    in_rag: Status,
    expected_gap: float,
) -> None:
    definition = two_year(polarity, baseline, target)
    results = [result(Y1, value)]
    red_green, red_amber_green = (
        assess(definition, results, RG),
        assess(definition, results, RAG),
    )
    assert (red_green.status, red_amber_green.status) == (in_rg, in_rag)
    assert red_green.gap == pytest.approx(expected_gap, abs=1e-9)


def test_red_green_is_the_default_mode() -> None:
    assert assess(two_year(), [result(Y1, 59.75)]).status == "RED"


def test_own_tolerance_sets_the_amber_band() -> None:
    definition = two_year(tolerance=3.0)
    assert assess(definition, [result(Y1, 58.6)], RAG).status == "AMBER"
    assert assess(definition, [result(Y1, 58.4)], RAG).status == "RED"


@pytest.mark.parametrize(
    ("definition", "results", "reason"),
    [
        pytest.param(
            indicator(measurable=False),
            [result(Y1, 60)],
            "Not assessed: the indicator is not yet measurable (target needed later)",
            id="not-measurable",
        ),
        pytest.param(
            indicator(baseline=None),
            [result(Y1, 60)],
            "Not assessed: no baseline has been recorded",
            id="no-baseline",
        ),
        pytest.param(
            indicator(target=None),
            [result(Y1, 60)],
            "Not assessed: no target has been set",
            id="no-target",
        ),
        pytest.param(
            indicator(),
            [],
            "Not assessed: no result after the baseline of 31 March 2008",
            id="no-results",
        ),
        pytest.param(
            indicator(),
            [result(date(2007, 3, 31), 45), result(D0, 50)],
            "Not assessed: no result after the baseline of 31 March 2008",
            id="only-results-up-to-the-baseline",
        ),
        pytest.param(
            indicator(measurable=False, baseline=None, target=None),
            [],
            "Not assessed: the indicator is not yet measurable (target needed later)",
            id="first-reason-named",
        ),
    ],
)
def test_grey_says_why(
    definition: Definition, results: list[Result], reason: str
) -> None:
    assessment = assess(definition, results)
    assert (assessment.status, assessment.explanation) == ("GREY", reason)
    assert assessment.projection is None
    assert assessment.gap is None
    assert assessment.expected is None
    assert assessment.on_trajectory is None


@pytest.mark.parametrize(
    ("status", "polarity", "projection", "sentence"),
    [
        pytest.param(
            "RED",
            "higher_is_better",
            66.2999,
            "Projected 66.3 at March 2011 against a target of 70: off target",
            id="red",
        ),
        pytest.param(
            "GREEN",
            "higher_is_better",
            72.0,
            "Projected 72 at March 2011 against a target of 70: on target",
            id="green",
        ),
        pytest.param(
            "AMBER",
            "higher_is_better",
            69.5,
            "Projected 69.5 at March 2011 against a target of 70: off target, "
            "within tolerance of 1",
            id="amber",
        ),
        pytest.param(
            "GREEN",
            "closer_is_better",
            70.5,
            "Projected 70.5 at March 2011 against a target of 70: on target "
            "(within the tolerance of 1)",
            id="closer-green",
        ),
        pytest.param(
            "AMBER",
            "closer_is_better",
            71.5,
            "Projected 71.5 at March 2011 against a target of 70: off target, "
            "within twice the tolerance of 1",
            id="closer-amber",
        ),
    ],
)
def test_status_sentence(
    status: Status, polarity: Polarity, projection: float, sentence: str
) -> None:
    target = indicator().target
    assert target is not None
    assert status_explanation(status, polarity, projection, target, 1.0) == sentence


def test_assessment_explains_its_status() -> None:
    assessment = assess(indicator(), [result(Y1, 54)])
    assert assessment.explanation == (
        "Projected 62 at March 2011 against a target of 70: off target"
    )


@pytest.mark.parametrize(
    ("polarity", "projection", "target", "expected"),
    [
        ("higher_is_better", 72.0, 70.0, 2.0),
        ("lower_is_better", 72.0, 70.0, -2.0),
        ("closer_is_better", 68.0, 70.0, 2.0),
    ],
)
def test_gap(
    polarity: Polarity, projection: float, target: float, expected: float
) -> None:
    assert gap(polarity, projection, target) == expected


@pytest.mark.parametrize("mode", ["red_green", "red_amber_green"])
def test_rag_status_direct(mode: RagMode) -> None:
    assert rag_status("higher_is_better", 70.0, 70.0, 1.0, mode) == "GREEN"
    assert rag_status("closer_is_better", 73.0, 70.0, 1.0, mode) == "RED"
