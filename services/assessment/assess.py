"""One indicator's assessment: the rules of section 5 put together.

`assess` is a pure function of the definition, the results in recording order, the
framework settings and (optionally) the round, so the assessment service, replays and
reports all reach the same answer from the same facts.

Decisions where section 5 is silent:
- Projection, gap, expected value and on_trajectory describe the path from baseline to
  target, so they are given only when the indicator is assessed (not GREY).
- The tolerance, direction of travel, significant improvement, very good performance
  and the flags are given whenever their own inputs exist, GREY or not.
- `retired` changes nothing here: callers leave retired indicators out of rounds
  (`in_scope`) and reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.assessment.direction import direction_of_travel, significantly_improved
from services.assessment.facts import (
    Assessment,
    Decision,
    Definition,
    FrameworkSettings,
    Prediction,
    RagMode,
    Result,
    RoundContext,
    Status,
)
from services.assessment.flags import challenge_flags
from services.assessment.highlights import very_good_performance
from services.assessment.projection import project
from services.assessment.status import gap, grey_reason, rag_status, status_explanation
from services.assessment.tolerance import tolerance
from services.assessment.trajectory import expected, on_trajectory

DEFAULT_SETTINGS = FrameworkSettings()


def current_results(results: Sequence[Result]) -> tuple[Result, ...]:
    """The results that count, by period_end: the last recorded one per period_end.

    A later return for the same period is a correction and supersedes the earlier.
    """
    newest = {result.period_end: result for result in results}
    return tuple(newest[period] for period in sorted(newest))


def assess(
    definition: Definition,
    results: Sequence[Result],
    settings: FrameworkSettings = DEFAULT_SETTINGS,
    round: RoundContext | None = None,
) -> Assessment:
    """The status, trajectory, direction, highlights and flags of one indicator."""
    history = current_results(results)
    latest = history[-1] if history else None
    previous = history[-2] if len(history) > 1 else None
    tol = tolerance(definition, settings)
    judged = _judge(definition, history, settings.rag_mode, tol)
    polarity, target = definition.polarity, _target_value(definition)
    value = latest.value if latest else None
    before = previous.value if previous else None
    return Assessment(
        status=judged.status,
        explanation=judged.explanation,
        projection=judged.projection,
        gap=judged.gap,
        tolerance=tol,
        expected=judged.expected,
        on_trajectory=judged.on_trajectory,
        direction=(
            "none"
            if value is None
            else direction_of_travel(polarity, value, before, target)
        ),
        significantly_improved=value is not None
        and significantly_improved(
            polarity, value, before, target, settings.significance
        ),
        very_good_performance=very_good_performance(polarity, value, target, tol),
        latest=latest,
        previous=previous,
        flags=challenge_flags(definition, history, judged.status, round),
    )


def decided_status(
    computed: Status, decision: Decision, prediction: Prediction | None
) -> Status:
    """The status shown after the Executive's decision on a flagged indicator.

    `upheld` keeps the computed status; `lead_view_accepted` shows the lead's
    prediction (GREEN for on_target, RED for off_target). Without a prediction there
    is no lead view to accept, so the computed status stands.
    """
    if decision == "lead_view_accepted" and prediction == "on_target":
        return "GREEN"
    if decision == "lead_view_accepted" and prediction == "off_target":
        return "RED"
    return computed


@dataclass(frozen=True, slots=True)
class _Judgement:
    """The part of an assessment that exists only for an assessable indicator."""

    status: Status
    explanation: str
    projection: float | None = None
    gap: float | None = None
    expected: float | None = None
    on_trajectory: bool | None = None


def _judge(
    definition: Definition,
    history: Sequence[Result],
    mode: RagMode,
    tol: float | None,
) -> _Judgement:
    reason = grey_reason(definition, history)
    baseline, target = definition.baseline, definition.target
    if reason is not None or baseline is None or target is None or tol is None:
        return _Judgement("GREY", reason or "Not assessed")
    polarity, latest = definition.polarity, history[-1]
    projection = project(baseline, history, target.period_end)
    if projection is None:
        return _Judgement("GREY", "Not assessed")
    status = rag_status(polarity, projection, target.value, tol, mode)
    path = expected(baseline, target, definition.milestones, latest.period_end)
    return _Judgement(
        status=status,
        explanation=status_explanation(status, polarity, projection, target, tol),
        projection=projection,
        gap=gap(polarity, projection, target.value),
        expected=path,
        on_trajectory=on_trajectory(polarity, latest.value, path, tol),
    )


def _target_value(definition: Definition) -> float | None:
    return None if definition.target is None else definition.target.value
