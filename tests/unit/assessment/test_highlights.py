"""Board highlights: areas of concern, very good and significantly improved."""

from __future__ import annotations

import pytest

from services.assessment.assess import assess
from services.assessment.facts import Assessment, Polarity, Status
from services.assessment.highlights import board_highlights, very_good_performance
from tests.unit.assessment.given import Y1, Y2, indicator, result

HI, LO, NEAR = "higher_is_better", "lower_is_better", "closer_is_better"


@pytest.mark.parametrize(
    ("polarity", "latest", "target", "tol", "very_good"),
    [
        pytest.param(HI, 71, 70, 1, True, id="hi-beats"),
        pytest.param(HI, 70, 70, 1, True, id="hi-meets"),
        pytest.param(HI, 70 - 1e-10, 70, 1, True, id="hi-meets-eps"),
        pytest.param(HI, 69.9, 70, 1, False, id="hi-short"),
        pytest.param(LO, 19, 20, 1, True, id="lo-beats"),
        pytest.param(LO, 20, 20, 1, True, id="lo-meets"),
        pytest.param(LO, 21, 20, 1, False, id="lo-short"),
        pytest.param(NEAR, 10.5, 10, 0.5, True, id="near-within"),
        pytest.param(NEAR, 9.5, 10, 0.5, True, id="near-edge"),
        pytest.param(NEAR, 10.6, 10, 0.5, False, id="near-outside"),
        pytest.param(NEAR, 10, 10, None, False, id="near-without-tolerance"),
        pytest.param(HI, None, 70, 1, False, id="no-result"),
        pytest.param(HI, 80, None, 1, False, id="no-target"),
    ],
)
def test_very_good_performance(
    polarity: Polarity,
    latest: float | None,
    target: float | None,
    tol: float | None,
    very_good: bool,
) -> None:
    assert very_good_performance(polarity, latest, target, tol) is very_good


def test_assessment_reports_very_good_performance() -> None:
    # the latest result beats the target even though the trend is off target
    assessment = assess(indicator(), [result(Y1, 72), result(Y2, 70)])
    assert assessment.very_good_performance


def made(
    status: Status,
    gap: float | None,
    *,
    very_good: bool = False,
    improved: bool = False,
) -> Assessment:
    return Assessment(
        status=status,
        explanation="",
        projection=None,
        gap=gap,
        tolerance=None,
        expected=None,
        on_trajectory=None,
        direction="none",
        significantly_improved=improved,
        very_good_performance=very_good,
        latest=None,
        previous=None,
        flags=(),
    )


def test_areas_of_concern_worst_gap_first() -> None:
    entries: list[tuple[str, Assessment, Status]] = [
        ("NI 1", made("RED", -5.0), "RED"),
        ("NI 2", made("RED", -10.0), "RED"),
        ("NI 3", made("RED", 3.0), "RED"),  # closer_is_better: distance 3
        ("NI 4", made("RED", -10.0), "RED"),  # ties with NI 2: by code
        ("NI 5", made("GREEN", 2.0), "RED"),  # lead's off-target view accepted
        ("NI 0", made("GREY", None), "RED"),  # shown RED though not assessed
        ("NI 6", made("RED", -50.0), "GREEN"),  # lead's on-target view accepted
        ("NI 7", made("AMBER", -0.5), "AMBER"),
        ("NI 8", made("GREEN", 4.0), "GREEN"),
        ("NI 9", made("AMBER", -0.5), "RED"),  # AMBER shown RED by decision
    ]
    highlights = board_highlights(entries)
    assert highlights.areas_of_concern == (
        "NI 2",
        "NI 4",
        "NI 1",
        "NI 3",
        "NI 9",
        "NI 0",
        "NI 5",
    )


def test_very_good_and_improved_lists_by_code() -> None:
    entries: list[tuple[str, Assessment, Status]] = [
        ("NI 9", made("GREEN", 1.0, very_good=True, improved=True), "GREEN"),
        ("NI 1", made("RED", -1.0, improved=True), "RED"),
        ("LOCAL 3", made("GREY", None, very_good=True), "GREY"),
        ("NI 5", made("GREEN", 0.0), "GREEN"),
    ]
    highlights = board_highlights(entries)
    assert highlights.very_good_performance == ("LOCAL 3", "NI 9")
    assert highlights.significantly_improved == ("NI 1", "NI 9")
    assert highlights.to_dict() == {
        "areas_of_concern": ["NI 1"],
        "very_good_performance": ["LOCAL 3", "NI 9"],
        "significantly_improved": ["NI 1", "NI 9"],
    }


def test_no_entries_no_highlights() -> None:
    highlights = board_highlights([])
    assert highlights.areas_of_concern == ()
    assert highlights.very_good_performance == ()
    assert highlights.significantly_improved == ()


def test_highlights_from_real_assessments() -> None:
    behind = assess(indicator(), [result(Y1, 54)])  # projects 62: gap -8
    far_behind = assess(indicator(), [result(Y1, 45)])  # projects 35: gap -35
    near = indicator("closer_is_better", 10, 10)
    drifting = assess(near, [result(Y1, 11)])  # projects 13: distance 3
    highlights = board_highlights(
        [
            ("NI 50", behind, behind.status),
            ("NI 51", far_behind, far_behind.status),
            ("NI 52", drifting, drifting.status),
        ]
    )
    assert highlights.areas_of_concern == ("NI 51", "NI 50", "NI 52")
