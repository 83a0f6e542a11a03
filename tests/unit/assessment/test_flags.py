"""Challenge flags: each rule present and absent, and the fixed order."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from services.assessment.assess import assess
from services.assessment.facts import (
    Definition,
    Frequency,
    Prediction,
    Result,
    RoundContext,
    Status,
)
from services.assessment.flags import (
    FLAG_CODES,
    challenge_flags,
    months_before,
    stale_result,
)
from tests.unit.assessment.given import D0, Y1, Y2, indicator, result

H1_2009 = date(2009, 9, 30)


def codes(
    definition: Definition,
    results: list[Result],
    status: Status = "GREEN",
    round: RoundContext | None = None,
) -> list[str]:
    history = sorted(results, key=lambda r: r.period_end)
    return [f.code for f in challenge_flags(definition, history, status, round)]


@pytest.mark.parametrize(
    ("prediction", "status", "conflict"),
    [
        pytest.param("on_target", "RED", True, id="on-target-but-red"),
        pytest.param("off_target", "GREEN", True, id="off-target-but-green"),
        pytest.param("on_target", "GREEN", False, id="on-target-and-green"),
        pytest.param("off_target", "RED", False, id="off-target-and-red"),
        pytest.param("on_target", "AMBER", False, id="amber-never-on"),
        pytest.param("off_target", "AMBER", False, id="amber-never-off"),
        pytest.param("on_target", "GREY", False, id="grey-never"),
        pytest.param(None, "RED", False, id="no-prediction-no-conflict"),
    ],
)
def test_prediction_conflict(
    prediction: Prediction | None, status: Status, conflict: bool
) -> None:
    found = codes(indicator(), [result(Y1, 60, prediction)], status)
    assert ("PREDICTION_CONFLICT" in found) is conflict


def test_prediction_conflict_uses_the_computed_status() -> None:
    red = assess(indicator(), [result(Y1, 54, "on_target")])
    green = assess(indicator(), [result(Y1, 60, "off_target")])
    assert [f.code for f in red.flags] == ["PREDICTION_CONFLICT"]
    assert red.flags[0].explanation == (
        "The lead predicts on target but the projection is off target (RED)"
    )
    assert [f.code for f in green.flags] == ["PREDICTION_CONFLICT"]


def test_prediction_conflict_reads_the_latest_return_only() -> None:
    results = [result(Y1, 54, "off_target"), result(Y2, 58, "on_target")]
    assert [f.code for f in assess(indicator(), results).flags] == [
        "PREDICTION_CONFLICT"
    ]


@pytest.mark.parametrize(
    ("results", "flagged"),
    [
        pytest.param([result(Y1, 60, None)], True, id="lead-without-prediction"),
        pytest.param([result(Y1, 60, "on_target")], False, id="lead-with-prediction"),
        pytest.param([result(Y1, 60, None, "laa")], False, id="laa-exempt"),
        pytest.param(
            [result(Y1, 60, None), result(Y2, 62, None, "laa")],
            False,
            id="latest-is-laa",
        ),
        pytest.param(
            [result(Y1, 60, None, "laa"), result(Y2, 62, None)],
            True,
            id="latest-is-lead",
        ),
        pytest.param(
            [result(Y1, 60, "on_target"), result(Y2, 62, None)],
            True,
            id="older-prediction-does-not-count",
        ),
        pytest.param([], False, id="no-results"),
    ],
)
def test_no_prediction(results: list[Result], flagged: bool) -> None:
    assert ("NO_PREDICTION" in codes(indicator(), results)) is flagged


def test_no_prediction_after_a_correction_without_one() -> None:
    results = [result(Y1, 60, "on_target"), result(Y1, 61, None)]
    assessment = assess(indicator(), results)
    assert [f.code for f in assessment.flags] == ["NO_PREDICTION"]
    assert assessment.flags[0].explanation == (
        "The latest return (period ending 31 March 2009) does not predict "
        "whether the target will be met"
    )


@pytest.mark.parametrize(
    ("round", "results", "flagged"),
    [
        pytest.param(
            RoundContext("2009-H1", H1_2009, True, True),
            [result(Y2, 60)],
            True,
            id="closed-in-scope-no-result",
        ),
        pytest.param(
            RoundContext("2009-H1", H1_2009, True, True),
            [result(H1_2009, 60)],
            False,
            id="result-for-the-period",
        ),
        pytest.param(
            RoundContext("2009-H1", H1_2009, True, True),
            [result(H1_2009, 60, None, "laa")],
            False,
            id="laa-result-counts",
        ),
        pytest.param(
            RoundContext("2009-H1", H1_2009, True, True),
            [result(date(2009, 12, 31), 60)],
            True,
            id="later-result-is-not-the-return",
        ),
        pytest.param(
            RoundContext("2009-H1", H1_2009, True, True),
            [],
            True,
            id="no-results-at-all",
        ),
        pytest.param(
            RoundContext("2009-H1", H1_2009, False, True),
            [],
            False,
            id="round-still-open",
        ),
        pytest.param(
            RoundContext("2009-H1", H1_2009, True, False),
            [],
            False,
            id="not-in-scope",
        ),
        pytest.param(None, [], False, id="no-round"),
    ],
)
def test_missing_return(
    round: RoundContext | None, results: list[Result], flagged: bool
) -> None:
    found = codes(indicator(frequency="half_yearly"), results, round=round)
    assert ("MISSING_RETURN" in found) is flagged


@pytest.mark.parametrize(
    ("definition", "flagged"),
    [
        pytest.param(indicator(target=None), True, id="measurable-baseline-no-target"),
        pytest.param(indicator(), False, id="has-target"),
        pytest.param(
            indicator(target=None, measurable=False), False, id="not-measurable"
        ),
        pytest.param(indicator(target=None, baseline=None), False, id="no-baseline"),
    ],
)
def test_no_target(definition: Definition, flagged: bool) -> None:
    assert ("NO_TARGET" in codes(definition, [result(Y1, 60)])) is flagged


@pytest.mark.parametrize(
    ("organisation", "lead", "explanation"),
    [
        pytest.param("PCT", "A. Lead", None, id="both-named"),
        pytest.param(
            None, "A. Lead", "The indicator has no lead organisation", id="no-org"
        ),
        pytest.param("PCT", None, "The indicator has no named lead", id="no-lead"),
        pytest.param("PCT", "  ", "The indicator has no named lead", id="blank-lead"),
        pytest.param(
            None,
            None,
            "The indicator has no lead organisation and no named lead",
            id="neither",
        ),
    ],
)
def test_no_lead(
    organisation: str | None, lead: str | None, explanation: str | None
) -> None:
    definition = indicator(lead_organisation=organisation, named_lead=lead)
    history = [result(Y1, 60)]
    flags = [
        f.explanation
        for f in challenge_flags(definition, history, "GREEN", None)
        if f.code == "NO_LEAD"
    ]
    assert flags == ([] if explanation is None else [explanation])


@pytest.mark.parametrize(
    ("day", "months", "moved"),
    [
        pytest.param(date(2009, 3, 31), 9, date(2008, 6, 30), id="clamped-to-30"),
        pytest.param(date(2008, 9, 30), 6, date(2008, 3, 30), id="day-kept"),
        pytest.param(date(2008, 9, 30), 15, date(2007, 6, 30), id="across-years"),
        pytest.param(date(2009, 3, 31), 15, date(2007, 12, 31), id="annual"),
        pytest.param(date(2008, 5, 31), 3, date(2008, 2, 29), id="leap-february"),
        pytest.param(date(2009, 5, 31), 3, date(2009, 2, 28), id="plain-february"),
        pytest.param(date(2009, 1, 15), 1, date(2008, 12, 15), id="into-december"),
        pytest.param(date(2008, 12, 31), 12, date(2007, 12, 31), id="whole-year"),
    ],
)
def test_months_before(day: date, months: int, moved: date) -> None:
    assert months_before(day, months) == moved


Q3_2008, Y_2009 = date(2008, 9, 30), date(2009, 3, 31)


@pytest.mark.parametrize(
    ("frequency", "round_end", "latest", "stale"),
    [
        pytest.param("quarterly", Q3_2008, date(2008, 3, 31), False, id="q-2-back"),
        pytest.param("quarterly", Q3_2008, date(2008, 3, 30), False, id="q-on-cutoff"),
        pytest.param("quarterly", Q3_2008, date(2008, 3, 29), True, id="q-day-before"),
        pytest.param("quarterly", Q3_2008, date(2007, 12, 31), True, id="q-3-back"),
        pytest.param("half_yearly", Y_2009, date(2008, 9, 30), False, id="h-1-back"),
        pytest.param("half_yearly", Y_2009, date(2008, 6, 30), False, id="h-on-cutoff"),
        pytest.param("half_yearly", Y_2009, date(2008, 6, 29), True, id="h-day-before"),
        pytest.param("half_yearly", Y_2009, date(2008, 3, 31), True, id="h-2-back"),
        pytest.param("annual", Y_2009, date(2008, 3, 31), False, id="a-1-back"),
        pytest.param("annual", Y_2009, date(2007, 12, 31), False, id="a-on-cutoff"),
        pytest.param("annual", Y_2009, date(2007, 3, 31), True, id="a-2-back"),
        pytest.param("annual", Q3_2008, date(2007, 6, 30), False, id="a-mid-year"),
        pytest.param("annual", Q3_2008, date(2007, 3, 31), True, id="a-mid-stale"),
        pytest.param("quarterly", Q3_2008, Q3_2008, False, id="result-for-the-round"),
    ],
)
def test_stale_result_boundaries(
    frequency: Frequency, round_end: date, latest: date, stale: bool
) -> None:
    round = RoundContext("R", round_end, closed=False, in_scope=True)
    definition = indicator(frequency=frequency, baseline_on=date(2006, 3, 31))
    found = codes(definition, [result(date(2006, 12, 31), 40), result(latest, 60)])
    assert "STALE_RESULT" not in found  # no round, no staleness
    found = codes(definition, [result(latest, 60)], round=round)
    assert ("STALE_RESULT" in found) is stale


@pytest.mark.parametrize(
    ("results", "stale"),
    [
        pytest.param(
            [result(date(2007, 12, 31), 50), result(date(2008, 12, 31), 60)],
            True,
            id="results-after-the-round-ignored",
        ),
        pytest.param(
            [result(date(2008, 12, 31), 60)], False, id="only-results-after-the-round"
        ),
        pytest.param([], False, id="no-results"),
    ],
)
def test_stale_result_at_the_round(results: list[Result], stale: bool) -> None:
    round = RoundContext("2008-Q2", Q3_2008, closed=True, in_scope=True)
    flag = stale_result("quarterly", results, round)
    assert (flag is not None) is stale


def test_stale_result_explains_itself() -> None:
    round = RoundContext("2009-Y", Y_2009, closed=True, in_scope=True)
    flag = stale_result("annual", [result(date(2007, 3, 31), 50)], round)
    assert flag is not None
    assert flag.explanation == (
        "The latest result is for the period ending 31 March 2007, "
        "more than 15 months before 31 March 2009"
    )


@pytest.mark.parametrize(
    ("previous", "latest", "flagged"),
    [
        pytest.param(50, 76, True, id="up-by-more-than-half"),
        pytest.param(50, 75, False, id="up-by-exactly-half"),
        pytest.param(50, 75 + 1e-10, False, id="up-by-half-eps"),
        pytest.param(50, 24, True, id="down-by-more-than-half"),
        pytest.param(-50, -76, True, id="negative-values"),
        pytest.param(50, 60, False, id="steady"),
        pytest.param(0, 60, False, id="previous-zero"),
        pytest.param(1e-10, 60, False, id="previous-zero-eps"),
    ],
)
def test_volatile(previous: float, latest: float, flagged: bool) -> None:
    found = codes(indicator(), [result(Y1, previous), result(Y2, latest)])
    assert ("VOLATILE" in found) is flagged


def test_volatile_needs_a_previous_result() -> None:
    assert "VOLATILE" not in codes(indicator(), [result(Y1, 1000)])


def test_flags_come_in_a_fixed_order() -> None:
    definition = indicator(frequency="quarterly", named_lead=None)
    round = RoundContext("2010-Q4", date(2010, 12, 31), closed=True, in_scope=True)
    history = [result(D0, 10, None), result(Y1, 40, None)]
    everything = codes(definition, history, "GREEN", round)
    assert everything == [
        "NO_PREDICTION",
        "MISSING_RETURN",
        "NO_LEAD",
        "STALE_RESULT",
        "VOLATILE",
    ]
    no_target = replace(definition, target=None)
    conflict = [result(Y1, 10, "off_target"), result(Y2, 40, "off_target")]
    assert codes(no_target, conflict, "GREEN", round) == [
        "PREDICTION_CONFLICT",
        "MISSING_RETURN",
        "NO_TARGET",
        "NO_LEAD",
        "STALE_RESULT",
        "VOLATILE",
    ]
    assert list(FLAG_CODES) == [
        "PREDICTION_CONFLICT",
        "NO_PREDICTION",
        "MISSING_RETURN",
        "NO_TARGET",
        "NO_LEAD",
        "STALE_RESULT",
        "VOLATILE",
    ]


def test_a_clean_indicator_has_no_flags() -> None:
    round = RoundContext("2009-Y", Y1, closed=True, in_scope=True)
    assert assess(indicator(), [result(Y1, 60)], round=round).flags == ()
