"""Laws the assessment rules obey for any data, checked with generated examples."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from services.assessment.assess import assess, current_results
from services.assessment.facts import (
    Assessment,
    Definition,
    FrameworkSettings,
    Point,
    Polarity,
    Result,
    RoundContext,
)
from services.assessment.projection import project

START = date(2008, 3, 31)
FLIPPED: dict[Polarity, Polarity] = {
    "higher_is_better": "lower_is_better",
    "lower_is_better": "higher_is_better",
    "closer_is_better": "closer_is_better",
}

values = st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False)
days = st.integers(-400, 2000).map(lambda n: START + timedelta(days=n))
results = st.lists(
    st.builds(
        Result,
        period_end=days,
        value=values,
        prediction=st.sampled_from([None, "on_target", "off_target"]),
        source=st.sampled_from(["lead", "laa"]),
    ),
    max_size=6,
)
definitions = st.builds(
    Definition,
    code=st.just("NI 50"),
    polarity=st.sampled_from(list(FLIPPED)),
    frequency=st.sampled_from(["annual", "half_yearly", "quarterly"]),
    measurable=st.booleans(),
    lead_organisation=st.sampled_from([None, "PCT"]),
    named_lead=st.sampled_from([None, "A. Lead"]),
    baseline=st.builds(Point, st.just(START), values),
    target=st.one_of(st.none(), st.builds(Point, days, values)),
    milestones=st.lists(st.builds(Point, days, values), max_size=2).map(tuple),
    tolerance=st.one_of(st.none(), st.floats(0, 100)),
)
framework_settings = st.builds(
    FrameworkSettings,
    rag_mode=st.sampled_from(["red_green", "red_amber_green"]),
    amber_fraction=st.sampled_from([0.05, 0.1]),
    significance=st.sampled_from([0.1, 0.2]),
)
rounds = st.one_of(
    st.none(), st.builds(RoundContext, st.just("R"), days, st.booleans(), st.booleans())
)


def mirrored(
    definition: Definition, history: list[Result]
) -> tuple[Definition, list[Result]]:
    """Flip the polarity and negate every value: the same story told upside down."""

    def point(p: Point | None) -> Point | None:
        return None if p is None else Point(p.period_end, -p.value)

    flipped = replace(
        definition,
        polarity=FLIPPED[definition.polarity],
        baseline=point(definition.baseline),
        target=point(definition.target),
        milestones=tuple(Point(m.period_end, -m.value) for m in definition.milestones),
    )
    return flipped, [replace(r, value=-r.value) for r in history]


def negated(x: float | None) -> float | None:
    return None if x is None else -x


@settings(max_examples=200, deadline=None)
@given(definitions, results, framework_settings, rounds)
def test_mirroring_values_and_polarity_keeps_the_judgement(
    definition: Definition,
    history: list[Result],
    framework: FrameworkSettings,
    round: RoundContext | None,
) -> None:
    original = assess(definition, history, framework, round)
    flipped = assess(*mirrored(definition, history), framework, round)
    assert flipped.status == original.status
    assert flipped.gap == original.gap
    assert flipped.tolerance == original.tolerance
    assert flipped.on_trajectory == original.on_trajectory
    assert flipped.direction == original.direction
    assert flipped.significantly_improved == original.significantly_improved
    assert flipped.very_good_performance == original.very_good_performance
    assert [f.code for f in flipped.flags] == [f.code for f in original.flags]
    assert flipped.projection == negated(original.projection)
    assert flipped.expected == negated(original.expected)


@settings(max_examples=200, deadline=None)
@given(
    intercept=values,
    slope=st.floats(-5, 5, allow_nan=False),
    offsets=st.lists(st.integers(1, 3000), min_size=1, max_size=8, unique=True),
    at=st.integers(1, 4000),
)
def test_points_on_a_line_project_onto_it(
    intercept: float, slope: float, offsets: list[int], at: int
) -> None:
    baseline = Point(START, intercept)
    on_line = [Point(START + timedelta(days=n), intercept + slope * n) for n in offsets]
    projection = project(baseline, on_line, START + timedelta(days=at))
    line = intercept + slope * at
    scale = max(1.0, abs(intercept), abs(slope) * max(at, *offsets))
    assert projection is not None
    assert math.isclose(projection, line, rel_tol=1e-9, abs_tol=1e-9 * scale)


@settings(max_examples=150, deadline=None)
@given(definitions, results, framework_settings, rounds, st.data())
def test_assess_is_deterministic_and_repeats_change_nothing(
    definition: Definition,
    history: list[Result],
    framework: FrameworkSettings,
    round: RoundContext | None,
    data: st.DataObject,
) -> None:
    first = assess(definition, history, framework, round)
    assert assess(definition, list(history), framework, round) == first
    current = list(current_results(history))
    if current:
        repeat = data.draw(st.sampled_from(current))
        again = assess(definition, [*history, repeat], framework, round)
        assert again == first
    shuffled = data.draw(st.permutations(current))
    assert assess(definition, shuffled, framework, round) == first


@settings(max_examples=100, deadline=None)
@given(definitions, results, framework_settings, rounds)
def test_assessments_survive_json(
    definition: Definition,
    history: list[Result],
    framework: FrameworkSettings,
    round: RoundContext | None,
) -> None:
    assessment = assess(definition, history, framework, round)
    data = json.loads(json.dumps(assessment.to_dict()))
    assert Assessment.from_dict(data) == assessment
