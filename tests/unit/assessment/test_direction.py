"""Direction of travel and significant improvement of the latest result."""

from __future__ import annotations

import pytest

from services.assessment.assess import assess
from services.assessment.direction import direction_of_travel, significantly_improved
from services.assessment.facts import Direction, FrameworkSettings, Polarity
from tests.unit.assessment.given import Y1, Y2, indicator, result

HI, LO, NEAR = "higher_is_better", "lower_is_better", "closer_is_better"


@pytest.mark.parametrize(
    ("polarity", "previous", "latest", "target", "direction", "significant"),
    [
        pytest.param(HI, 50, 56, 70, "improving", True, id="hi-up-significantly"),
        pytest.param(HI, 50, 55, 70, "improving", True, id="hi-up-by-exactly-10pc"),
        pytest.param(HI, 50, 54.9, 70, "improving", False, id="hi-up-a-little"),
        pytest.param(HI, 50, 45, 70, "worsening", False, id="hi-down"),
        pytest.param(HI, 50, 50, 70, "no_change", False, id="hi-equal"),
        pytest.param(HI, 50, 50 + 1e-10, 70, "no_change", False, id="hi-equal-eps"),
        pytest.param(HI, 0, 0.001, 70, "improving", True, id="hi-up-from-zero"),
        pytest.param(HI, 1e-10, 0.001, 70, "improving", True, id="hi-up-from-eps-zero"),
        pytest.param(HI, 0, -1, 70, "worsening", False, id="hi-down-from-zero"),
        pytest.param(HI, 0, 0, 70, "no_change", False, id="hi-zero-to-zero"),
        pytest.param(HI, -10, -9, 70, "improving", True, id="hi-negative-values"),
        pytest.param(HI, None, 50, 70, "none", False, id="hi-one-result"),
        pytest.param(HI, 50, 60, None, "improving", True, id="hi-without-target"),
        pytest.param(LO, 30, 26, 20, "improving", True, id="lo-down-significantly"),
        pytest.param(LO, 30, 29, 20, "improving", False, id="lo-down-a-little"),
        pytest.param(LO, 30, 31, 20, "worsening", False, id="lo-up"),
        pytest.param(LO, 30, 30, 20, "no_change", False, id="lo-equal"),
        pytest.param(LO, 0, -1, 20, "improving", True, id="lo-down-from-zero"),
        pytest.param(NEAR, 12, 10.5, 10, "improving", True, id="near-closer"),
        pytest.param(NEAR, 12, 11.9, 10, "improving", False, id="near-a-little"),
        pytest.param(NEAR, 12, 11.8, 10, "improving", True, id="near-by-exactly-10pc"),
        pytest.param(NEAR, 12, 8.5, 10, "improving", True, id="near-crossing"),
        pytest.param(NEAR, 8, 12, 10, "no_change", False, id="near-same-distance"),
        pytest.param(NEAR, 10.5, 9, 10, "worsening", False, id="near-further"),
        pytest.param(NEAR, 10, 10, 10, "no_change", False, id="near-on-target"),
        pytest.param(NEAR, 10, 10.1, 10, "worsening", False, id="near-leaving-target"),
        pytest.param(NEAR, 12, 10.5, None, "none", False, id="near-without-target"),
        pytest.param(NEAR, None, 10.5, 10, "none", False, id="near-one-result"),
    ],
)
def test_direction_and_significance(
    polarity: Polarity,
    previous: float | None,
    latest: float,
    target: float | None,
    direction: Direction,
    significant: bool,
) -> None:
    assert direction_of_travel(polarity, latest, previous, target) == direction
    found = significantly_improved(polarity, latest, previous, target, 0.10)
    assert found is significant


def test_significance_is_a_framework_setting() -> None:
    results = [result(Y1, 50), result(Y2, 55)]
    assert assess(indicator(), results).significantly_improved
    strict = FrameworkSettings(significance=0.2)
    assessment = assess(indicator(), results, strict)
    assert (assessment.direction, assessment.significantly_improved) == (
        "improving",
        False,
    )


def test_direction_needs_no_plan_for_higher_or_lower() -> None:
    definition = indicator(measurable=False, baseline=None, target=None)
    assessment = assess(definition, [result(Y1, 50), result(Y2, 40)])
    assert (assessment.status, assessment.direction) == ("GREY", "worsening")


def test_no_results_no_direction() -> None:
    assessment = assess(indicator(), [])
    assert (assessment.direction, assessment.significantly_improved) == ("none", False)
