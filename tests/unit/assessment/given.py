"""Builders for the assessment tests: an indicator and its results in one line each.

The usual plan runs from a baseline of 50 at 31 March 2008 to a target of 70 at
31 March 2011. Tests that want simple arithmetic put the target two years on
(31 March 2010) and one result half-way (31 March 2009): the projection is then
b + 2 * (v - b).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from services.assessment.facts import (
    Definition,
    Point,
    Polarity,
    Prediction,
    Result,
    Source,
)

D0 = date(2008, 3, 31)  # the baseline
Y1 = date(2009, 3, 31)  # one year on: 365 days
Y2 = date(2010, 3, 31)  # two years on: 730 days
DT = date(2011, 3, 31)  # the plan's end: 1095 days


def indicator(
    polarity: Polarity = "higher_is_better",
    baseline: float | None = 50.0,
    target: float | None = 70.0,
    *,
    baseline_on: date = D0,
    target_on: date = DT,
    **changes: Any,
) -> Definition:
    """A measurable indicator with both leads named, changed as asked."""
    definition = Definition(
        code="NI 50",
        polarity=polarity,
        lead_organisation="Primary Care Trust",
        named_lead="A. Lead",
        baseline=None if baseline is None else Point(baseline_on, baseline),
        target=None if target is None else Point(target_on, target),
    )
    return replace(definition, **changes)


def two_year(
    polarity: Polarity = "higher_is_better",
    baseline: float | None = 50.0,
    target: float | None = 70.0,
    **changes: Any,
) -> Definition:
    """An indicator whose target is two years after its baseline (31 March 2010)."""
    return indicator(polarity, baseline, target, target_on=Y2, **changes)


def result(
    period_end: date,
    value: float,
    prediction: Prediction | None = "on_target",
    source: Source = "lead",
) -> Result:
    return Result(period_end, value, prediction, source)


def definition_data(**extra: Any) -> dict[str, Any]:
    """An indicator's definition as its events carry it (a dict), for the
    timeline and the assessment's state: measurable, led, with a baseline of
    10 and no target unless ``extra`` gives one."""
    return {
        "code": "NI 1",
        "polarity": "higher_is_better",
        "measurable": True,
        "retired": False,
        "lead_organisation": "Council",
        "named_lead": {"name": "A Lead"},
        "baseline": {"period_end": "2008-03-31", "value": 10.0},
        "target": None,
        **extra,
    }
