"""Facts held in memory between batches change nothing the assessment says.

The assessment keeps each indicator's facts in memory between batches
(``services.assessment.memory``). These tests apply the demo's log to fresh
databases with nothing held and with facts held, in order and interleaved as
Kafka consumers would get it, and require identical tables and identical
answers in the log; and they check that what is held is dropped whenever the
database may no longer hold it (a rolled-back transaction, another writer).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from services.assessment import memory
from services.assessment.memory import HELD, HeldFacts
from services.assessment.policy import assessment_policy
from services.assessment.tables import metadata as assessment_tables
from services.demo_local import load_demo_into
from services.embedded import EmbeddedSystem
from shared.events.catalogue import SERVICE_OF
from shared.events.envelope import EventEnvelope
from shared.eventstore.engine import make_engine
from shared.eventstore.store import EventStore
from shared.settings import Settings
from tests.integration.test_causal_order import (
    assessment_applier,
    by_topic,
    interleave,
)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> list[EventEnvelope]:
    """The demo's log without the assessment's own answers."""
    system = EmbeddedSystem(Settings(data_dir=tmp_path_factory.mktemp("demo") / "d"))
    try:
        load_demo_into(system)
        log = system.store.read_all(0, 1_000_000)
    finally:
        system.engine.dispose()
    return [e for e in log if SERVICE_OF[e.type] != "assessment"]


def in_order(events: list[EventEnvelope], rng: random.Random) -> Iterator[list[Any]]:
    """The log in order, in batches of any size (facts mostly arrive on time)."""
    i = 0
    while i < len(events):
        size = rng.choice((1, 3, 10, 40, 200))
        yield events[i : i + size]
        i += size


def interleaved(
    events: list[EventEnvelope], rng: random.Random
) -> Iterator[list[EventEnvelope]]:
    """Each topic in order, the topics interleaved (facts arrive late)."""
    return interleave(by_topic(events), rng)


def apply(tmp: Path, batches: Iterator[list[EventEnvelope]]) -> Engine:
    applier = assessment_applier(tmp)
    for batch in batches:
        applier.apply_many([e for e in batch if applier.projection.wants(e)])
    return applier.engine


def tables(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every assessment table's rows, and the answers in the log."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in assessment_tables.sorted_tables:
            if table.name != "asm_writer":
                found[table.name] = sorted(
                    tuple(r) for r in conn.execute(sa.select(table))
                )
    found["log"] = [
        (e.stream, e.stream_version, e.type, e.occurred_at, sorted(e.data.items()))
        for e in EventStore(engine).read_all(0, 1_000_000)
    ]
    return found


@pytest.mark.parametrize("schedule", [in_order, interleaved])
@pytest.mark.parametrize(("seed", "slack"), [(1, 0), (2, memory.SLACK)])
def test_held_facts_give_the_answers_of_facts_read_back(
    inputs: list[EventEnvelope],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    schedule: Any,
    seed: int,
    slack: int,
) -> None:
    """With ``slack`` 0 what is held is trimmed after every batch."""
    monkeypatch.setattr(memory, "SLACK", slack)
    HELD.clear()
    hits = HELD.hits
    held = apply(tmp_path / "held", schedule(inputs, random.Random(seed)))
    assert HELD.hits > hits, "nothing was ever taken from memory"
    monkeypatch.setattr(HELD, "capacity", 0)
    HELD.clear()
    read_back = apply(tmp_path / "read", schedule(inputs, random.Random(seed)))
    assert len(HELD) == 0
    assert tables(held) == tables(read_back)


def _engine(tmp: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp / 'a.sqlite3'}")
    assessment_policy().create_schema(engine)
    return engine


def _hold(facts_of: HeldFacts, code: str) -> None:
    from services.assessment.timeline import IndicatorFacts

    facts_of.keep(IndicatorFacts(code))


def test_a_rolled_back_change_drops_what_is_held(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    held = HeldFacts()
    with engine.begin() as conn:
        held.begin(conn)
        _hold(held, "A")
    assert len(held) == 1
    with pytest.raises(RuntimeError), engine.begin() as conn:
        held.begin(conn)
        _hold(held, "B")
        raise RuntimeError("the batch failed after its answers were held")
    with engine.begin() as conn:
        held.begin(conn)
        assert len(held) == 0  # B was never written; A may have been changed
    nested = HeldFacts()
    with engine.begin() as conn:
        nested.begin(conn)
        _hold(nested, "A")
    with engine.begin() as conn:
        savepoint = conn.begin_nested()
        nested.begin(conn)
        _hold(nested, "B")
        savepoint.rollback()  # a batch split after a poison event
        nested.begin(conn)
        assert len(nested) == 0


def test_another_writer_drops_what_is_held(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    ours, theirs = HeldFacts(), HeldFacts()
    with engine.begin() as conn:
        ours.begin(conn)
        _hold(ours, "A")
    with engine.begin() as conn:
        ours.begin(conn)  # still ours: kept
        assert len(ours) == 1
    with engine.begin() as conn:
        theirs.begin(conn)
    with engine.begin() as conn:
        ours.begin(conn)
        assert len(ours) == 0


def test_at_most_capacity_indicators_are_held(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    held = HeldFacts(capacity=3)
    with engine.begin() as conn:
        held.begin(conn)
        for code in "ABCDE":
            _hold(held, code)
    assert len(held) == 3
    found, missing = held.take({"A": "", "E": ""})
    assert list(found) == ["E"] and missing == ["A"]  # least recently used gone
    assert memory.CAPACITY >= 2_000
