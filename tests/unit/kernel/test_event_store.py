"""The event store keeps order, refuses stale appends and tracks consumers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shared.errors import ConcurrencyConflict
from shared.events.envelope import EventEnvelope, Metadata, NewEvent
from shared.events.upcasting import upcast
from shared.eventstore import tracking
from shared.eventstore.engine import make_engine
from shared.eventstore.store import EventStore

GOLDEN = Path(__file__).parent.parent / "golden"


@pytest.fixture
def store(tmp_path: Path) -> EventStore:
    s = EventStore(make_engine(f"sqlite:///{tmp_path / 'log.sqlite3'}"))
    s.create_schema()
    return s


def event(n: int) -> NewEvent:
    return NewEvent(
        type="BaselineRecorded",
        data={"code": "NI 50", "value": n, "period_end": "2009-03-31"},
    )


def test_appended_events_are_numbered_within_their_stream(store: EventStore) -> None:
    recorded = store.append("indicator:NI 50", 0, [event(1), event(2)], Metadata())
    assert [e.stream_version for e in recorded] == [1, 2]
    assert store.stream_version("indicator:NI 50") == 2


def test_a_stale_expected_version_is_a_conflict(store: EventStore) -> None:
    store.append("indicator:NI 50", 0, [event(1)], Metadata())
    with pytest.raises(ConcurrencyConflict):
        store.append("indicator:NI 50", 0, [event(2)], Metadata())
    assert len(store.read_stream("indicator:NI 50")) == 1


def test_followers_read_every_stream_in_one_global_order(store: EventStore) -> None:
    store.append("a", None, [event(1)], Metadata())
    store.append("b", None, [event(2)], Metadata())
    store.append("a", None, [event(3)], Metadata())
    everything = store.read_all(0)
    assert [e.data["value"] for e in everything] == [1, 2, 3]
    assert [e.data["value"] for e in store.read_all(everything[0].position or 0)] == [
        2,
        3,
    ]
    assert store.head() == everything[-1].position


def test_events_survive_reopening_the_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'log.sqlite3'}"
    first = EventStore(make_engine(url))
    first.create_schema()
    first.append("a", 0, [event(1)], Metadata(actor="admin:x"))
    first.engine.dispose()
    again = EventStore(make_engine(url))
    [e] = again.read_stream("a")
    assert e.actor == "admin:x" and e.data["value"] == 1


def test_tracking_commits_with_the_effects_or_not_at_all(store: EventStore) -> None:
    with store.transaction() as conn:
        tracking.set_position(conn, "reporting", 7)
    with pytest.raises(RuntimeError), store.transaction() as conn:
        tracking.set_position(conn, "reporting", 9)
        raise RuntimeError("crash before commit")
    with store.engine.connect() as conn:
        assert tracking.position(conn, "reporting") == 7


def test_stream_tracking_remembers_each_stream(store: EventStore) -> None:
    with store.transaction() as conn:
        tracking.set_stream_version(conn, "c", "indicator:NI 50", 3)
        tracking.set_stream_version(conn, "c", "indicator:NI 50", 4)
    with store.engine.connect() as conn:
        assert tracking.stream_version(conn, "c", "indicator:NI 50") == 4
        assert tracking.stream_version(conn, "c", "indicator:NI 51") == 0


def test_a_version_1_registration_reads_as_version_2() -> None:
    old = EventEnvelope.model_validate(
        json.loads((GOLDEN / "indicator_registered_v1.json").read_text())
    )
    new = upcast(old)
    assert new.schema_version == 2
    assert new.data["named_lead"] == {"name": "Dr A. Example", "email": None}
    assert new.data["code"] == "NI 50"


def test_envelopes_round_trip_through_their_json(store: EventStore) -> None:
    [e] = store.append("a", 0, [event(1)], Metadata(actor="admin:x"))
    back = EventEnvelope.from_json(e.to_json())
    assert back.to_record() == e.to_record()


def test_a_batch_applies_each_event_once_even_when_repeated(store: EventStore) -> None:
    from shared.messaging.consumers import ApplyContext, Projection, StreamApplier

    seen: list[int] = []

    def remember(_ctx: ApplyContext, e: EventEnvelope) -> None:
        seen.append(e.data["value"])

    applier = StreamApplier(
        Projection("p", {"BaselineRecorded": remember}), store.engine
    )
    events = store.append("a", 0, [event(1), event(2), event(3)], Metadata())
    assert [e.data["value"] for e in applier.apply_many([*events[:2], events[0]])] == [
        1,
        2,
    ]
    assert [e.data["value"] for e in applier.apply_many(events)] == [3]
    assert seen == [1, 2, 3]


def test_new_event_ids_are_random_uuids_as_uuid4_makes_them() -> None:
    import uuid

    from shared.events.envelope import new_event_ids

    ids = new_event_ids(2_000)
    assert len(set(ids)) == 2_000
    for value in ids:
        assert value.version == 4 and value.variant == uuid.RFC_4122
        assert uuid.UUID(str(value)) == value
    assert new_event_ids(0) == []
