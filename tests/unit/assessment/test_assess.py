"""assess: the rules put together over results in recording order."""

from __future__ import annotations

import json
from datetime import date

import pytest

from services.assessment.assess import assess, current_results, decided_status
from services.assessment.facts import (
    Assessment,
    Decision,
    Flag,
    FrameworkSettings,
    Point,
    Prediction,
    Result,
    RoundContext,
    Status,
)
from tests.unit.assessment.given import D0, DT, Y1, Y2, indicator, result, two_year


@pytest.mark.parametrize(
    ("results", "latest_value", "status"),
    [
        pytest.param(
            [result(Y1, 60), result(Y1, 54)], 54, "RED", id="correction-supersedes"
        ),
        pytest.param(
            [result(Y1, 54), result(Y1, 60)], 60, "GREEN", id="correction-restores"
        ),
        pytest.param(
            [result(Y1, 54), result(Y2, 65), result(Y1, 60)],
            65,
            "GREEN",
            id="late-correction-of-an-older-period",
        ),
        pytest.param(
            [result(Y1, 60), result(Y1, 58), result(Y1, 54)],
            54,
            "RED",
            id="last-of-many-corrections",
        ),
    ],
)
def test_only_the_newest_return_per_period_counts(
    results: list[Result], latest_value: float, status: Status
) -> None:
    assessment = assess(indicator(), results)
    assert assessment.latest is not None
    assert (assessment.latest.value, assessment.status) == (latest_value, status)


def test_late_correction_changes_the_projection() -> None:
    corrected = assess(indicator(), [result(Y1, 54), result(Y2, 65), result(Y1, 60)])
    direct = assess(indicator(), [result(Y1, 60), result(Y2, 65)])
    assert corrected == direct
    # points (0, 50), (1, 60), (2, 65) in years: mean (1, 58.33), slope 7.5
    assert corrected.projection == pytest.approx(175 / 3 + 2 * 7.5)


def test_latest_and_previous_go_by_period_end_not_recording_order() -> None:
    results = [result(Y2, 65), result(date(2008, 9, 30), 52), result(Y1, 55)]
    assessment = assess(indicator(), results)
    assert assessment.latest == result(Y2, 65)
    assert assessment.previous == result(Y1, 55)
    assert assessment.direction == "improving"


def test_current_results_are_sorted_and_deduplicated() -> None:
    results = [result(Y2, 1), result(Y1, 2), result(Y2, 3)]
    assert current_results(results) == (result(Y1, 2), result(Y2, 3))


def test_results_before_the_baseline_do_not_move_the_projection() -> None:
    early = [result(date(2007, 3, 31), 1000), result(D0, 999), result(Y1, 60)]
    assessment = assess(indicator(), early)
    assert assessment.projection == pytest.approx(80.0)
    assert assessment.status == "GREEN"


def test_a_result_before_the_baseline_can_be_the_previous_one() -> None:
    assessment = assess(indicator(), [result(D0, 40), result(Y1, 60)])
    assert assessment.previous == result(D0, 40)
    assert assessment.direction == "improving"


def test_many_results_worked_example() -> None:
    # baseline 50 (2008), 55 (2009), 65 (2010): the fitted line rises 7.5 a year
    # through the mean point (2009, 56.67), reaching 71.67 in 2011.
    results = [result(Y1, 55, None), result(Y2, 65, "on_target")]
    assessment = assess(indicator(), results, FrameworkSettings("red_amber_green"))
    assert assessment.status == "GREEN"
    assert assessment.projection == pytest.approx(215 / 3)
    assert assessment.gap == pytest.approx(5 / 3)
    assert assessment.tolerance == pytest.approx(1.0)
    assert assessment.expected == pytest.approx(50 + 20 * 730 / 1095)
    assert assessment.on_trajectory is True
    assert assessment.direction == "improving"
    assert assessment.significantly_improved is True  # 10 >= 10% of 55
    assert assessment.very_good_performance is False
    assert assessment.flags == ()
    assert assessment.explanation == (
        "Projected 71.67 at March 2011 against a target of 70: on target"
    )


def test_lower_is_better_worked_example() -> None:
    definition = indicator("lower_is_better", 30, 20)
    results = [result(Y1, 27, "on_target"), result(Y2, 25, "on_target")]
    assessment = assess(definition, results, FrameworkSettings("red_amber_green"))
    # fitted line: mean point (2009, 27.33), falling 2.5 a year -> 22.33 in 2011
    assert assessment.projection == pytest.approx(67 / 3)
    assert assessment.gap == pytest.approx(-7 / 3)
    assert assessment.status == "RED"
    assert [f.code for f in assessment.flags] == ["PREDICTION_CONFLICT"]
    assert assessment.direction == "improving"
    assert assessment.significantly_improved is False  # 2 < 10% of 27


def test_grey_still_reports_what_it_can() -> None:
    definition = indicator(target=None, lead_organisation=None)
    assessment = assess(definition, [result(Y1, 60, None), result(Y2, 100, None)])
    assert assessment.status == "GREY"
    assert assessment.tolerance is None
    assert assessment.direction == "improving"
    assert assessment.significantly_improved is True
    assert [f.code for f in assessment.flags] == [
        "NO_PREDICTION",
        "NO_TARGET",
        "NO_LEAD",
        "VOLATILE",
    ]


def test_stored_numbers_are_not_rounded() -> None:
    assessment = assess(indicator(), [result(Y1, 55), result(Y2, 65)])
    assert assessment.projection is not None
    assert assessment.projection != round(assessment.projection, 2)


@pytest.mark.parametrize(
    ("computed", "decision", "prediction", "shown"),
    [
        pytest.param("RED", "upheld", "on_target", "RED", id="upheld-red"),
        pytest.param("GREEN", "upheld", "off_target", "GREEN", id="upheld-green"),
        pytest.param(
            "RED", "lead_view_accepted", "on_target", "GREEN", id="accepted-on"
        ),
        pytest.param(
            "GREEN", "lead_view_accepted", "off_target", "RED", id="accepted-off"
        ),
        pytest.param(
            "AMBER", "lead_view_accepted", "on_target", "GREEN", id="accepted-amber"
        ),
        pytest.param(
            "RED", "lead_view_accepted", None, "RED", id="accepted-without-prediction"
        ),
        pytest.param("GREY", "upheld", None, "GREY", id="upheld-grey"),
    ],
)
def test_decided_status(
    computed: Status, decision: Decision, prediction: Prediction | None, shown: Status
) -> None:
    assert decided_status(computed, decision, prediction) == shown


def test_to_dict_is_json_ready() -> None:
    round = RoundContext("2010-Y", DT, closed=True, in_scope=True)
    assessment = assess(
        two_year(), [result(Y1, 56, None), result(Y2, 62, "off_target")], round=round
    )
    data = assessment.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["latest"] == {
        "period_end": "2010-03-31",
        "value": 62,
        "prediction": "off_target",
        "source": "lead",
    }
    assert data["previous"]["period_end"] == "2009-03-31"
    assert data["flags"] == [
        {"code": f.code, "explanation": f.explanation} for f in assessment.flags
    ]
    assert [f["code"] for f in data["flags"]] == ["MISSING_RETURN"]
    assert set(data) == {
        "status",
        "explanation",
        "projection",
        "gap",
        "tolerance",
        "expected",
        "on_trajectory",
        "direction",
        "significantly_improved",
        "very_good_performance",
        "latest",
        "previous",
        "flags",
    }
    assert Assessment.from_dict(json.loads(json.dumps(data))) == assessment


def test_grey_to_dict() -> None:
    data = assess(indicator(baseline=None), []).to_dict()
    assert data["status"] == "GREY"
    assert data["latest"] is None and data["previous"] is None
    assert data["projection"] is None and data["on_trajectory"] is None


def test_points_and_flags_round_trip() -> None:
    point = Point(D0, 50.5)
    assert point.to_dict() == {"period_end": "2008-03-31", "value": 50.5}
    assert Point.from_dict(point.to_dict()) == point
    laa = Result(Y1, 61.0, None, "laa")
    assert Result.from_dict(laa.to_dict()) == laa
    assert Result.from_dict({"period_end": "2009-03-31", "value": 1}) == Result(Y1, 1)
    assert Flag.from_dict(Flag("NO_LEAD", "x").to_dict()) == Flag("NO_LEAD", "x")
