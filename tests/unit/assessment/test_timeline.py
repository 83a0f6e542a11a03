"""The answers through time: facts in causal order, late facts corrected."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.assessment.facts import Result
from services.assessment.timeline import (
    CURRENT,
    IndicatorFacts,
    RoundEvent,
    SharedFacts,
    replay,
)
from tests.unit.assessment.given import definition_data


def at(day: int) -> str:
    stamp = f"2009-01-{day:02d}T10:00:00.000000Z"
    return f"{stamp}/{stamp}"


def key(day: int, stream: str) -> str:
    return f"{at(day)}/{stream}/000000000001"


TARGET = {"period_end": "2011-03-31", "value": 20.0}
ROUND = SharedFacts(
    rounds=(
        RoundEvent(key(2, "round:R"), "R", "RoundOpened", "2008-12-31", None),
        RoundEvent(key(9, "round:R"), "R", "RoundClosed"),
    )
)


def facts(with_target: bool) -> IndicatorFacts:
    found = IndicatorFacts("NI 1")
    found.definitions.append((key(1, "indicator:NI 1"), definition_data()))
    if with_target:
        found.definitions.append(
            (key(5, "indicator:NI 1"), definition_data(target=TARGET))
        )
    found.results.append(
        (key(3, "returns:NI 1"), Result(date(2008, 12, 31), 14.0, "on_target"))
    )
    return found


def said_from(first: IndicatorFacts, start: str) -> IndicatorFacts:
    """What the log holds after replaying ``first``: its answers and challenges."""
    out = replay(first, ROUND, start)
    for s in out.said:
        if s.changed:
            first.said.setdefault(s.series, {})[s.at] = s.data
    first.raised = out.raised
    return first


def test_an_answer_uses_only_facts_at_or_before_its_moment() -> None:
    out = replay(facts(with_target=True), ROUND, at(1))
    current = {s.at: s.data["status"] for s in out.said if s.series == CURRENT}
    assert current[at(1)] == "GREY"  # no target, no result yet
    assert current[at(5)] != "GREY"  # the target set on day 5, the result of day 3
    assert at(9) not in current or current[at(9)] == current[at(5)]


def test_a_late_target_corrects_the_answers_and_withdraws_a_challenge() -> None:
    # The target recorded on day 5 is delivered after the close of day 9.
    early = said_from(facts(with_target=False), at(1))
    raised_early = early.raised["R"]
    assert "NO_TARGET" in raised_early and raised_early["NO_TARGET"]["at"] == at(9)
    late = facts(with_target=True)
    late.said, late.raised = early.said, early.raised
    out = replay(late, ROUND, at(5))
    assert ("R", "NO_TARGET", at(9)) in out.withdrawn
    assert "NO_TARGET" not in out.raised["R"]
    in_order = facts(with_target=True)
    expected = replay(in_order, ROUND, at(1))
    # After the correction the answer in force at every moment is the in-order one.
    corrected = {**early.said[CURRENT]}
    corrected.update({s.at: s.data for s in out.said if s.series == CURRENT})
    wanted = {s.at: s.data for s in expected.said if s.series == CURRENT}

    def in_force(answers: dict[str, dict[str, Any]], moment: str) -> Any:
        before = [m for m in sorted(answers) if m <= moment]
        return answers[before[-1]] if before else None

    for day in range(1, 12):
        assert in_force(corrected, at(day)) == in_force(wanted, at(day)), day
