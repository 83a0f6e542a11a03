"""The event store on a real PostgreSQL server: per-stream concurrency and a
global order that followers can read without ever skipping an event."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from shared.errors import ConcurrencyConflict
from shared.events.envelope import Metadata, NewEvent
from shared.eventstore.engine import make_engine
from shared.eventstore.store import EventStore, StreamAppend

pytestmark = pytest.mark.e2e


@pytest.fixture
def store(postgres: str) -> Iterator[EventStore]:
    """A store in a database of its own on the session's PostgreSQL server."""
    name = f"pmf_store_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(f"{postgres}/pmf_test", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    engine = make_engine(f"{postgres}/{name}", pool_size=12)
    s = EventStore(engine)
    s.create_schema()
    try:
        yield s
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
        admin.dispose()


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


def test_a_batch_to_many_streams_checks_each_stream(store: EventStore) -> None:
    store.append("b", 0, [result(0)], Metadata())
    recorded = store.append_many(
        [
            StreamAppend("a", 0, [result(1), result(2)], Metadata()),
            StreamAppend("b", 1, [result(3)], Metadata()),
        ]
    )
    assert [(e.stream, e.stream_version) for e in recorded] == [
        ("a", 1),
        ("a", 2),
        ("b", 2),
    ]
    with pytest.raises(ConcurrencyConflict):
        store.append_many(
            [
                StreamAppend("c", 0, [result(4)], Metadata()),
                StreamAppend("b", 1, [result(5)], Metadata()),
            ]
        )
    assert [e.data["value"] for e in store.read_all(0)] == [0, 1, 2, 3]


def test_two_writers_expecting_the_same_version_one_wins(store: EventStore) -> None:
    """Both read version 0; the second to commit is refused, not interleaved."""
    first_in = threading.Event()
    outcome: dict[str, str] = {}

    def slow_writer() -> None:
        with store.transaction() as conn:
            store.append("indicator:NI 50", 0, [result(1)], Metadata(), conn=conn)
            first_in.set()
            time.sleep(0.3)  # still uncommitted while the other one tries
        outcome["slow"] = "ok"

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert first_in.wait(10)
    try:
        store.append("indicator:NI 50", 0, [result(2)], Metadata())
        outcome["fast"] = "ok"
    except ConcurrencyConflict:
        outcome["fast"] = "conflict"
    thread.join()
    assert outcome == {"slow": "ok", "fast": "conflict"}
    assert [e.data["value"] for e in store.read_stream("indicator:NI 50")] == [1]


def test_a_follower_never_skips_an_event_committed_late(store: EventStore) -> None:
    """Writers hold their transactions open for a random while after drawing
    positions, so without ordering a later position would often commit first
    and a follower reading ``position > last`` would step over the earlier one."""
    writers, batches = 6, 40
    stop = threading.Event()
    failures: list[BaseException] = []
    seen: list[int] = []

    def write(w: int) -> None:
        rng = random.Random(w)
        try:
            for b in range(batches):
                with store.transaction() as conn:
                    store.append_many(
                        [
                            StreamAppend(
                                f"w{w}-{rng.randrange(5)}",
                                None,
                                [result(w * 1000 + b)],
                                Metadata(),
                            ),
                            StreamAppend(
                                f"shared-{rng.randrange(3)}",
                                None,
                                [result(w * 1000 + b)],
                                Metadata(),
                            ),
                        ],
                        conn=conn,
                    )
                    time.sleep(rng.random() * 0.01)
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)

    def follow() -> None:
        last = 0
        try:
            while True:
                done = stop.is_set()  # read before the batch: a last full pass
                for event in store.read_all(last, limit=50):
                    assert event.position is not None and event.position > last
                    seen.append(event.position)
                    last = event.position
                if done and last == store.head():
                    return
        except BaseException as exc:
            failures.append(exc)

    followers = [threading.Thread(target=follow) for _ in range(2)]
    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in followers + threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    for t in followers:
        t.join(60)
    assert not failures, failures
    everything = [e.position for e in store.read_all(0, limit=10_000)]
    assert len(everything) == writers * batches * 2
    # Each follower saw every event exactly once, in order: nothing skipped.
    assert sorted(seen) == sorted(everything * 2)


def test_awkward_text_comes_back_as_it_was_appended(store: EventStore) -> None:
    """A batch is written as array literals: quotes, backslashes, braces,
    commas, the word NULL and non-ASCII text survive in every column."""
    awkward = 'a\\"b" {c,d} NULL \\\\ ünï ✓ \n\t end'
    events = [
        NewEvent(
            type="LaaResultReceived",
            data={
                "value": 1.5,
                "indicator_code": awkward,
                "period_end": "2009-06-30",
                "result_id": f"{awkward}{n}",
            },
        )
        for n in range(3)
    ]
    meta = Metadata(actor=f"system {awkward}", correlation_id="NULL")
    recorded = store.append_many([StreamAppend(f"s {awkward}", 0, events, meta)])
    back = store.read_all(0)
    assert back == recorded
    assert [e.data["result_id"] for e in back] == [f"{awkward}{n}" for n in range(3)]
    assert {(e.actor, e.correlation_id, e.causation_id) for e in back} == {
        (f"system {awkward}", "NULL", None)
    }
    assert [e.position for e in back] == sorted(e.position or 0 for e in back)
