"""``append_many`` writes a batch to many streams at once, each stream checked."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from shared.errors import ConcurrencyConflict
from shared.events.envelope import EventEnvelope, Metadata, NewEvent
from shared.eventstore.engine import make_engine
from shared.eventstore.store import EventStore, StreamAppend


@pytest.fixture
def store(tmp_path: Path) -> EventStore:
    s = EventStore(make_engine(f"sqlite:///{tmp_path / 'log.sqlite3'}"))
    s.create_schema()
    return s


def result(n: int) -> NewEvent:
    return NewEvent(
        type="LaaResultReceived",
        data={
            "value": n,
            "indicator_code": "NI 50",
            "period_end": "2009-06-30",
            "result_id": f"r{n}",
        },
    )


def to(stream: str, expected: int | None, *values: int) -> StreamAppend:
    return StreamAppend(stream, expected, [result(v) for v in values], Metadata())


def test_a_batch_lands_in_many_streams_in_one_order(store: EventStore) -> None:
    store.append("b", 0, [result(0)], Metadata())
    recorded = store.append_many([to("a", 0, 1, 2), to("b", 1, 3), to("c", None, 4)])
    assert [(e.stream, e.stream_version) for e in recorded] == [
        ("a", 1),
        ("a", 2),
        ("b", 2),
        ("c", 1),
    ]
    positions = [e.position for e in recorded]
    assert positions == sorted(positions) and len(set(positions)) == 4
    assert [e.data["value"] for e in store.read_all(0)] == [0, 1, 2, 3, 4]
    assert store.head() == positions[-1]


def test_a_stream_named_twice_continues_where_the_batch_left_it(
    store: EventStore,
) -> None:
    recorded = store.append_many([to("a", 0, 1), to("b", 0, 2), to("a", 1, 3)])
    assert [(e.stream, e.stream_version) for e in recorded] == [
        ("a", 1),
        ("b", 1),
        ("a", 2),
    ]
    with pytest.raises(ConcurrencyConflict):
        store.append_many([to("a", 2, 4), to("a", 2, 5)])  # second one is stale


def test_one_stale_stream_writes_nothing_of_the_batch(store: EventStore) -> None:
    store.append("b", 0, [result(0)], Metadata())
    with pytest.raises(ConcurrencyConflict, match="b is at version 1, not 0"):
        store.append_many([to("a", 0, 1), to("b", 0, 2)])
    assert [e.data["value"] for e in store.read_all(0)] == [0]
    assert store.stream_version("a") == 0


def test_listeners_hear_the_whole_batch_once(store: EventStore) -> None:
    heard: list[list[EventEnvelope]] = []
    store.on_append(lambda batch: heard.append(list(batch)))
    recorded = store.append_many([to("a", 0, 1), to("b", 0, 2)])
    assert heard == [recorded]
    assert store.last_position == recorded[-1].position
    assert store.append_many([to("c", 0)]) == []  # nothing to write, nothing heard
    assert len(heard) == 1


def test_a_batch_inside_a_caller_transaction_commits_with_it(
    store: EventStore,
) -> None:
    with pytest.raises(RuntimeError), store.transaction() as conn:
        store.append_many([to("a", 0, 1), to("b", 0, 2)], conn=conn)
        raise RuntimeError("the caller failed after appending")
    assert store.read_all(0) == []


def test_a_large_batch_is_one_insert_statement(store: EventStore) -> None:
    inserts: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO EVENTS"):
            inserts.append(statement)

    sa.event.listen(store.engine, "before_cursor_execute", count)
    recorded = store.append_many([to(f"s{i}", 0, i) for i in range(600)])
    assert len(recorded) == 600
    assert len(inserts) == 1  # one multi-row INSERT, not one per event
    assert len(store.read_all(0, limit=1000)) == 600
