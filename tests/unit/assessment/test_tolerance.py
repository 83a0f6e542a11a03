"""The tolerance: the indicator's own, else a fraction of the planned change."""

from __future__ import annotations

import pytest

from services.assessment.facts import FrameworkSettings
from services.assessment.tolerance import tolerance
from tests.unit.assessment.given import indicator


@pytest.mark.parametrize(
    ("baseline", "target", "own", "fraction", "expected"),
    [
        pytest.param(50.0, 70.0, None, 0.05, 1.0, id="fraction-of-planned-change"),
        pytest.param(30.0, 20.0, None, 0.05, 0.5, id="falling-target"),
        pytest.param(50.0, 70.0, None, 0.10, 2.0, id="framework-fraction"),
        pytest.param(50.0, 70.0, 2.5, 0.05, 2.5, id="own-tolerance-wins"),
        pytest.param(50.0, 70.0, 0.0, 0.05, 0.0, id="own-tolerance-zero"),
        pytest.param(50.0, 70.0, -2.5, 0.05, 2.5, id="own-tolerance-is-a-magnitude"),
        pytest.param(70.0, 70.0, None, 0.05, 3.5, id="target-equals-baseline"),
        pytest.param(
            70.0, 70.0 + 1e-10, None, 0.05, 3.5, id="target-equals-baseline-eps"
        ),
        pytest.param(-40.0, -40.0, None, 0.05, 2.0, id="equal-and-negative"),
        pytest.param(0.0, 0.0, None, 0.05, 0.0, id="both-zero"),
        pytest.param(None, 70.0, None, 0.05, None, id="no-baseline"),
        pytest.param(50.0, None, None, 0.05, None, id="no-target"),
        pytest.param(None, None, 1.5, 0.05, 1.5, id="own-without-plan"),
    ],
)
def test_tolerance(
    baseline: float | None,
    target: float | None,
    own: float | None,
    fraction: float,
    expected: float | None,
) -> None:
    definition = indicator(baseline=baseline, target=target, tolerance=own)
    found = tolerance(definition, FrameworkSettings(amber_fraction=fraction))
    assert found == (None if expected is None else pytest.approx(expected))
