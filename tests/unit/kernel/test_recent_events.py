"""Reading back what this process appended: from memory, and exactly the log."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shared.events.envelope import Metadata, NewEvent
from shared.eventstore.engine import make_engine
from shared.eventstore.recent import RecentEvents
from shared.eventstore.store import EventStore, StreamAppend


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    made = make_engine(f"sqlite:///{tmp_path / 'log.sqlite3'}")
    EventStore(made).create_schema()
    return made


def event(n: int, **data: Any) -> NewEvent:
    return NewEvent(
        type="BaselineRecorded",
        data={"code": "NI 50", "value": n, "period_end": "2009-03-31", **data},
    )


def statements(engine: Engine) -> list[str]:
    seen: list[str] = []

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _count(_c: Any, _cur: Any, sql: str, *_rest: Any) -> None:
        seen.append(sql)

    return seen


def records(events: list[Any]) -> list[dict[str, Any]]:
    return [{**e.to_record(), "position": e.position} for e in events]


def test_a_follower_reads_what_was_just_appended_without_a_query(
    engine: Engine,
) -> None:
    store = EventStore(engine)
    first = store.append("a", None, [event(1), event(2)], Metadata())
    seen = statements(engine)
    again = store.read_all(0)
    assert [e.event_id for e in again] == [e.event_id for e in first]
    assert seen == []


def test_what_memory_serves_is_what_the_database_holds(engine: Engine) -> None:
    store = EventStore(engine)
    plus_one = timezone(timedelta(hours=1))
    store.append_many(
        [
            StreamAppend(
                "a",
                None,
                [
                    event(1, seen=("x", "y")),  # a tuple is stored as a list
                    NewEvent(
                        type="BaselineRecorded",
                        data={
                            "code": "NI 50",
                            "value": 2.5,
                            "period_end": "2009-03-31",
                        },
                        occurred_at=datetime(2009, 4, 1, 9, 30, tzinfo=plus_one),
                    ),
                ],
                Metadata(),
            ),
            StreamAppend("b", None, [event(3)], Metadata()),
        ]
    )
    from_memory = store.read_all(0)
    from_disk = EventStore(engine).read_all(0)
    assert records(from_memory) == records(from_disk)
    assert from_memory[0].data["seen"] == ["x", "y"]
    assert from_memory[1].occurred_at == from_disk[1].occurred_at
    assert from_memory[1].occurred_at.utcoffset() == timedelta(0)


def test_events_another_writer_appended_between_are_not_skipped(engine: Engine) -> None:
    ours, theirs = EventStore(engine), EventStore(engine)
    ours.append("a", None, [event(1), event(2)], Metadata())
    theirs.append("b", None, [event(3)], Metadata())
    ours.append("a", None, [event(4)], Metadata())
    assert [e.data["value"] for e in ours.read_all(0)] == [1, 2, 3, 4]
    assert [e.data["value"] for e in ours.read_all(2)] == [3, 4]


def test_events_another_writer_appended_after_are_not_skipped(engine: Engine) -> None:
    ours, theirs = EventStore(engine), EventStore(engine)
    ours.append("a", None, [event(1), event(2)], Metadata())
    theirs.append("b", None, [event(3)], Metadata())
    ours.head()  # the process learns the log is longer than what it appended
    assert [e.data["value"] for e in ours.read_all(0)] == [1, 2, 3]


def test_a_rolled_back_append_is_never_read(engine: Engine) -> None:
    store = EventStore(engine)
    store.append("a", None, [event(1)], Metadata())
    with pytest.raises(RuntimeError), store.transaction() as conn:
        store.append_many([StreamAppend("a", None, [event(99)], Metadata())], conn=conn)
        raise RuntimeError("the consumer failed after emitting")
    store.append("a", None, [event(2)], Metadata())
    assert [e.data["value"] for e in store.read_all(0)] == [1, 2]


def test_a_read_longer_than_memory_holds_goes_to_the_database(engine: Engine) -> None:
    store = EventStore(engine)
    store._recent = RecentEvents(capacity=3)
    for n in range(10):
        store.append("a", None, [event(n)], Metadata())
    assert [e.data["value"] for e in store.read_all(0)] == list(range(10))
    assert [e.data["value"] for e in store.read_all(8)] == [8, 9]
    assert [e.data["value"] for e in store.read_all(5, limit=2)] == [5, 6]


def test_a_short_run_is_served_only_when_it_reaches_the_known_head() -> None:
    recent = RecentEvents()
    assert recent.after(0, 10, known_head=None) == []
    assert recent.after(0, 10, known_head=5) == []
