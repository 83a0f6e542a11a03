"""A replay from the trimmed load says exactly what a replay of every fact says.

``state.load_indicators`` reads, before a replay's start, only the last
definition, the last result of each period and the last answer of each series.
Whatever the facts (corrections of a period before and after the start, a
target set late, a round closed with flags raised), replaying what it loads
must give the same answers, challenges and withdrawals as replaying the
indicator's whole history, or the read models would depend on how much of
the history was read.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import sqlalchemy as sa
from hypothesis import example, given, settings
from hypothesis import strategies as st

from services.assessment import memory, state
from services.assessment.facts import Result
from services.assessment.tables import (
    answers,
    definitions,
    metadata,
    results,
    round_assessments,
)
from services.assessment.timeline import (
    IndicatorFacts,
    Replayed,
    RoundEvent,
    SharedFacts,
    replay,
)
from tests.unit.assessment.given import definition_data

CODE = "NI 1"
PERIODS = ("2008-06-30", "2008-09-30", "2008-12-31", "2009-03-31")


def at(day: int) -> str:
    stamp = f"2009-01-{day:02d}T10:00:00.000000Z"
    return f"{stamp}/{stamp}"


def key(day: int, stream: str) -> str:
    return f"{at(day)}/{stream}/000000000001"


def definition(target: float | None) -> dict[str, Any]:
    if target is None:
        return definition_data(code=CODE)
    return definition_data(
        code=CODE, target={"period_end": "2011-03-31", "value": target}
    )


ROUND = SharedFacts(
    rounds=(
        RoundEvent(key(2, "round:R"), "R", "RoundOpened", "2008-12-31", None),
        RoundEvent(key(20, "round:R"), "R", "RoundClosed"),
    )
)

days = st.integers(min_value=3, max_value=28)
result_facts = st.lists(
    st.tuples(days, st.sampled_from(PERIODS), st.integers(5, 30)),
    min_size=1,
    max_size=12,
    unique_by=lambda r: r[0],
)


def _whole(
    defs: list[tuple[str, dict[str, Any]]], found: list[tuple[str, Result]]
) -> IndicatorFacts:
    facts = IndicatorFacts(CODE)
    facts.definitions = list(defs)
    facts.results = list(found)
    return facts


def _results(
    given_: list[tuple[int, str, int]], stream: str
) -> list[tuple[str, Result]]:
    return [
        (key(day, stream), Result(date.fromisoformat(p), float(v), None, "laa"))
        for day, p, v in given_
    ]


def _said(out: Replayed) -> Any:
    return (
        [(s.series, s.at, s.data, s.changed, s.challenges) for s in out.said],
        out.newest,
        out.raised,
        sorted(out.withdrawn),
    )


@settings(max_examples=80, deadline=None)
@given(
    early=result_facts,
    late=result_facts,
    target_day=st.one_of(st.none(), days),
    start_day=days,
)
# A correction with the same value says nothing new, so the answer in force at
# the start was said at the moment of a result the trimmed load does not read.
@example(
    early=[(3, PERIODS[0], 10), (4, PERIODS[0], 10)],
    late=[(6, PERIODS[0], 10)],
    target_day=None,
    start_day=6,
)
def test_a_trimmed_load_replays_like_the_whole_history(
    early: list[tuple[int, str, int]],
    late: list[tuple[int, str, int]],
    target_day: int | None,
    start_day: int,
) -> None:
    defs = [(key(1, f"indicator:{CODE}"), definition(None))]
    if target_day is not None:
        defs.append((key(target_day, f"indicator:{CODE}"), definition(20.0)))

    # What the log says after the early results, replayed in order from day 1.
    before = _whole(defs, _results(early, f"returns:{CODE}"))
    first = replay(before, ROUND, at(1))
    said: dict[str, dict[str, dict[str, Any]]] = {}
    for s in first.said:
        if s.changed:
            said.setdefault(s.series, {})[s.at] = s.data
    # Then more results arrive, some of them late (earlier moments than answers
    # already said): the replay starts at the earliest of them, or later.
    added = _results(late, f"laa:{CODE}")
    start = min([at(start_day), *(k[: len(at(1))] for k, _ in added)])

    engine = sa.create_engine("sqlite://")
    metadata.create_all(engine)
    with engine.begin() as conn:
        for k, d in defs:
            conn.execute(
                definitions.insert().values(code=CODE, key=k, definition=state.dumps(d))
            )
        for k, r in [*before.results, *added]:
            conn.execute(
                results.insert().values(
                    code=CODE,
                    key=k,
                    period_end=r.period_end.isoformat(),
                    value=state.dumps(r.value),
                    prediction=r.prediction,
                    source=r.source,
                )
            )
        for series, by_moment in said.items():
            for moment, data in by_moment.items():
                conn.execute(
                    answers.insert().values(
                        code=CODE, series=series, at=moment, data=state.dumps(data)
                    )
                )
        for rid, flags in first.raised.items():
            conn.execute(
                round_assessments.insert().values(
                    round_id=rid, code=CODE, data="{}", raised=state.dumps(flags)
                )
            )
        (loaded,) = state.load_indicators(conn, {CODE: start})

    whole = _whole(defs, [*before.results, *added])
    whole.said = said
    whole.raised = first.raised
    assert _said(replay(loaded, ROUND, start)) == _said(replay(whole, ROUND, start))
    # Only the last result of each period before the start was read.
    periods_before = [r.period_end for k, r in loaded.results if k < start]
    assert len(periods_before) == len(set(periods_before))


@settings(max_examples=80, deadline=None)
@given(
    early=result_facts,
    target_day=st.one_of(st.none(), days),
    new=st.tuples(st.sampled_from(PERIODS), st.integers(5, 30)),
)
@example(
    early=[(3, PERIODS[0], 10), (4, PERIODS[0], 12), (5, PERIODS[1], 11)],
    target_day=4,
    new=(PERIODS[1], 9),
)
def test_facts_trimmed_in_memory_replay_like_the_whole_history(
    early: list[tuple[int, str, int]],
    target_day: int | None,
    new: tuple[str, int],
) -> None:
    """What ``memory`` holds between batches is trimmed to the newest moment;
    a later fact replayed on it says what it says on the whole history."""
    defs = [(key(1, f"indicator:{CODE}"), definition(None))]
    if target_day is not None:
        defs.append((key(target_day, f"indicator:{CODE}"), definition(20.0)))
    whole = _whole(defs, _results(early, f"returns:{CODE}"))
    first = replay(whole, ROUND, at(1))
    for s in first.said:
        if s.changed:
            whole.said.setdefault(s.series, {})[s.at] = s.data
    whole.raised = first.raised
    held = copy.deepcopy(whole)
    horizon = memory.trim(held)
    later = _results([(30, *new)], f"laa:{CODE}")
    whole.results.extend(later)
    held.results.extend(later)
    assert at(30) >= horizon
    assert _said(replay(held, ROUND, at(30))) == _said(replay(whole, ROUND, at(30)))
    periods_before = [r.period_end for k, r in held.results if k < horizon]
    assert len(periods_before) == len(set(periods_before))
