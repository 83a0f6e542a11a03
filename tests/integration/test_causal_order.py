"""Answers follow the log's causal order, not the order topics are delivered in.

In distributed mode the assessment service reads two topics and reporting
four; a consumer may get a whole topic ahead of another. This test takes the
demo's log, feeds its events to the assessment and reporting projections the
way Kafka consumers would (``StreamApplier.apply_many``, batches of any size,
each topic in its own order, the topics interleaved at random), and checks that
the framework now, the framework as of many moments, every published version,
every indicator's history and every round assessment are exactly those of the
embedded system that applied the same log in order.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from services.assessment.policy import assessment_policy
from services.assessment.queries import AssessmentQueries
from services.demo_local import load_demo_into
from services.embedded import EmbeddedSystem
from services.reporting.projections import framework_projection
from services.reporting.queries import FrameworkQueries
from shared.events.catalogue import SERVICE_OF, topic_for
from shared.events.envelope import EventEnvelope
from shared.eventstore.engine import make_engine
from shared.eventstore.store import EventStore
from shared.messaging.consumers import StreamApplier
from shared.settings import Settings

Topics = dict[str, list[EventEnvelope]]


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedSystem]:
    system = EmbeddedSystem(
        Settings(data_dir=tmp_path_factory.mktemp("embedded") / "data")
    )
    load_demo_into(system)
    yield system
    system.engine.dispose()


def by_topic(events: list[EventEnvelope]) -> Topics:
    """The events each topic carries, in the order they were appended."""
    topics: Topics = {}
    for e in events:
        topics.setdefault(topic_for(e.type), []).append(e)
    return topics


def interleave(topics: Topics, rng: random.Random) -> Iterator[list[EventEnvelope]]:
    """Batches as a consumer of all ``topics`` might get them: each topic in
    order, the topics shuffled among themselves, batches of any size."""
    left = {name: list(events) for name, events in topics.items() if events}
    while left:
        name = rng.choice(sorted(left))
        size = rng.choice((1, 1, 2, 5, 20, 80))
        batch: list[EventEnvelope] = []
        while left and len(batch) < size:
            if rng.random() < 0.3:  # a batch may hold several topics
                name = rng.choice(sorted(left))
            batch.append(left[name].pop(0))
            if not left[name]:
                del left[name]
                if left:
                    name = rng.choice(sorted(left))
        yield batch


def one_topic_first(topics: Topics, first: str) -> Iterator[list[EventEnvelope]]:
    """The worst case: one topic entirely before the others."""
    order = [first, *sorted(n for n in topics if n != first)]
    for name in order:
        events = topics.get(name, [])
        for i in range(0, len(events), 50):
            yield events[i : i + 50]


def assessment_applier(tmp: Path) -> StreamApplier:
    """The assessment as a Kafka consumer applies it, on a fresh database in
    ``tmp`` with its own log for the answers it emits."""
    engine = make_engine(f"sqlite:///{tmp / 'assessment.sqlite3'}")
    store = EventStore(engine)
    store.create_schema()
    policy = assessment_policy()
    policy.create_schema(engine)
    return StreamApplier(policy, engine, sink=store)


def distributed(
    tmp: Path, inputs: Topics, schedule: Any, rng: random.Random
) -> tuple[Engine, Engine]:
    """Assessment then reporting, each fed through its own StreamApplier."""
    asm = assessment_applier(tmp)
    asm_engine, asm_store, policy = asm.engine, asm.sink, asm.projection
    assert isinstance(asm_store, EventStore)
    wanted = {n: [e for e in es if policy.wants(e)] for n, es in inputs.items()}
    for batch in schedule({n: es for n, es in wanted.items() if es}, rng):
        asm.apply_many(batch)
    emitted = asm_store.read_all(0, 1_000_000)
    rep_engine = make_engine(f"sqlite:///{tmp / 'reporting.sqlite3'}")
    reporting = framework_projection()
    reporting.create_schema(rep_engine)
    EventStore(rep_engine).create_schema()
    rep = StreamApplier(reporting, rep_engine)
    for batch in schedule({**inputs, **by_topic(emitted)}, rng):
        rep.apply_many(batch)
    return asm_engine, rep_engine


def _derived_times_removed(history: dict[str, Any]) -> dict[str, Any]:
    """An answer's recorded_at is when the consumer computed it: not compared."""
    entries = [
        {**h, "recorded_at": None} if h["kind"] in ("assessment", "challenge") else h
        for h in history["history"]
    ]
    return {**history, "history": entries}


def moments(events: list[EventEnvelope]) -> list[str]:
    """Many as-of moments: every day something happened, its eve, month ends."""
    days = sorted({e.occurred_at.date() for e in events})
    found = {f"{d.isoformat()}T23:59:59.999999Z" for d in days}
    found |= {f"{d.isoformat()}T00:00:00.000000Z" for d in days}
    found |= {f"{d.year}-{d.month:02d}-01T00:00:00.000000Z" for d in days}
    return sorted(found)


def assert_same(
    embedded: EmbeddedSystem, rep_engine: Engine, asm_engine: Engine
) -> None:
    ours, theirs = FrameworkQueries(rep_engine), embedded.framework
    assert ours.current() == theirs.current()
    log = embedded.store.read_all(0, 1_000_000)
    for at in moments(log):
        assert ours.as_of(at) == theirs.as_of(at), at
    numbers = [v["number"] for v in theirs.versions()]
    assert numbers and [v["number"] for v in ours.versions()] == numbers
    for n in numbers:
        assert ours.version(n) == theirs.version(n), n
    codes = [i["code"] for i in theirs.current()["indicators"]]
    for code in codes:
        assert _derived_times_removed(ours.history(code)) == _derived_times_removed(
            theirs.history(code)
        ), code
    mine, embedded_asm = AssessmentQueries(asm_engine), embedded.assessments
    assert mine.list() == embedded_asm.list()
    with embedded.engine.connect() as conn:
        round_ids = conn.execute(sa.text("SELECT id FROM asm_rounds")).scalars().all()
    assert round_ids
    for rid in round_ids:
        assert mine.list(round_id=rid) == embedded_asm.list(round_id=rid), rid


def inputs_of(embedded: EmbeddedSystem) -> Topics:
    """What the other services put on their topics: everything but answers."""
    log = embedded.store.read_all(0, 1_000_000)
    return by_topic([e for e in log if SERVICE_OF[e.type] != "assessment"])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_any_interleaving_of_topics_gives_the_embedded_answers(
    embedded: EmbeddedSystem, tmp_path: Path, seed: int
) -> None:
    asm, rep = distributed(
        tmp_path, inputs_of(embedded), interleave, random.Random(seed)
    )
    assert_same(embedded, rep, asm)


@pytest.mark.parametrize("first", ["pmf.returns", "pmf.indicators", "pmf.assessment"])
def test_a_topic_entirely_ahead_gives_the_embedded_answers(
    embedded: EmbeddedSystem, tmp_path: Path, first: str
) -> None:
    def schedule(topics: Topics, _rng: random.Random) -> Iterator[list[EventEnvelope]]:
        return one_topic_first(topics, first)

    asm, rep = distributed(tmp_path, inputs_of(embedded), schedule, random.Random(0))
    assert_same(embedded, rep, asm)
