"""What the assessment loads for a replay from a moment: only what it can use.

Definitions and said answers before the replay's start are folded over, so only
the last of each (the one in force at the start) is read; everything from the
start on is read, whatever other indicator in the same query starts earlier.
"""

from __future__ import annotations

import sqlalchemy as sa

from services.assessment import state
from services.assessment.tables import answers, definitions, metadata, results


def moment(n: int) -> str:
    at = f"2009-01-{n:02d}T00:00:00.000000Z"
    return f"{at}/{at}"


def key(n: int, stream: str) -> str:
    return f"{moment(n)}/{stream}/{n:012d}"


def test_only_the_last_definition_and_answer_before_the_start_are_loaded() -> None:
    engine = sa.create_engine("sqlite://")
    metadata.create_all(engine)
    with engine.begin() as conn:
        for code in ("A", "B"):
            for n in range(1, 10):
                conn.execute(
                    definitions.insert().values(
                        code=code,
                        key=key(n, f"indicator:{code}"),
                        definition=f'{{"code": "{code}", "n": {n}}}',
                    )
                )
                for series in ("", "R1"):
                    conn.execute(
                        answers.insert().values(
                            code=code, series=series, at=moment(n), data=f'{{"n": {n}}}'
                        )
                    )
                conn.execute(
                    results.insert().values(
                        code=code,
                        key=key(n, f"returns:{code}"),
                        period_end=f"2009-0{n}-28",
                        value=str(n),
                        prediction=None,
                        source="laa",
                    )
                )
        a, b = state.load_indicators(conn, {"A": moment(7), "B": moment(3)})

    assert a.code == "A" and b.code == "B"
    # A starts at 7: the definition of 6 was in force, then 7, 8, 9.
    assert sorted(d["n"] for _, d in a.definitions) == [6, 7, 8, 9]
    assert sorted(d["n"] for _, d in b.definitions) == [2, 3, 4, 5, 6, 7, 8, 9]
    for series in ("", "R1"):
        assert sorted(v["n"] for v in a.said[series].values()) == [6, 7, 8, 9]
        assert sorted(v["n"] for v in b.said[series].values()) == [
            2,
            3,
            4,
            5,
            6,
            7,
            8,
            9,
        ]
    # Every result counts for the rules, however old.
    assert len(a.results) == len(b.results) == 9


def test_an_indicator_with_nothing_before_its_start_loads_from_its_start() -> None:
    engine = sa.create_engine("sqlite://")
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            definitions.insert().values(
                code="A", key=key(5, "indicator:A"), definition='{"n": 5}'
            )
        )
        (a,) = state.load_indicators(conn, {"A": moment(1)})
    assert [d["n"] for _, d in a.definitions] == [5]
    assert a.said == {}
