"""Poison events are parked per consumer; passing faults are never parked."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from shared.events.envelope import Metadata, NewEvent
from shared.eventstore import tracking
from shared.eventstore.engine import make_engine
from shared.eventstore.store import EventStore
from shared.messaging import parking
from shared.messaging.consumers import (
    ApplyContext,
    LogFollower,
    Projection,
    StreamApplier,
    UnknownEventType,
    retry_parked,
)
from shared.messaging.failures import is_passing

seen = sa.Table(
    "seen_codes",
    sa.MetaData(),
    sa.Column("n", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("code", sa.String(50)),
    sa.Column("reason", sa.String(50)),
)


class Toy:
    """A projection whose handler raises on chosen reasons, until fixed."""

    def __init__(self) -> None:
        self.poison = {"bad"}
        self.passing = False

    def handle(self, ctx: ApplyContext, e: object) -> None:
        data = e.data  # type: ignore[attr-defined]
        if self.passing:
            raise sa_exc.OperationalError(
                "select 1", {}, sqlite3.OperationalError("database is locked")
            )
        if data["reason"] in self.poison:
            raise KeyError("a bug in the handler")
        ctx.conn.execute(seen.insert().values(code=data["code"], reason=data["reason"]))

    def projection(self) -> Projection:
        return Projection(
            name="toy",
            handlers={"IndicatorRetired": self.handle},
            create_schema=lambda engine: seen.metadata.create_all(engine),
        )


@pytest.fixture
def store(tmp_path: Path) -> EventStore:
    s = EventStore(make_engine(f"sqlite:///{tmp_path / 'log.db'}"))
    s.create_schema()
    return s


def retire(store: EventStore, code: str, reason: str) -> None:
    store.append(
        f"indicator:{code}",
        None,
        [NewEvent(type="IndicatorRetired", data={"code": code, "reason": reason})],
        Metadata(actor="t"),
    )


def applied(store: EventStore) -> list[tuple[str, str]]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(seen.c.code, seen.c.reason).order_by(seen.c.n))
        return [(r[0], r[1]) for r in rows]


def test_a_poison_event_is_parked_and_only_its_stream_waits(store: EventStore) -> None:
    toy = Toy()
    projection = toy.projection()
    projection.create_schema(store.engine)
    for code, reason in [("A", "bad"), ("B", "ok1"), ("A", "ok2"), ("C", "ok3")]:
        retire(store, code, reason)
    follower = LogFollower(projection, store, store.engine)
    assert follower.catch_up() == 4
    assert applied(store) == [("B", "ok1"), ("C", "ok3")]
    with store.engine.connect() as conn:
        found = parking.listing(conn)
        assert tracking.position(conn, "toy") == 4  # the follower moved on
    assert [(p.stream, p.state) for p in found] == [
        ("indicator:A", "failed"),
        ("indicator:A", "waiting"),
    ]
    assert "KeyError" in (found[0].error or "")
    retire(store, "A", "ok4")  # later events of the held stream wait too
    retire(store, "D", "ok5")
    follower.catch_up()
    assert applied(store)[-1] == ("D", "ok5")

    again = retry_parked(projection, store.engine, None, stream_tracked=False)
    assert again.applied == 0 and again.still_parked == 3  # not fixed yet
    toy.poison = set()  # the fix
    fixed = retry_parked(projection, store.engine, None, stream_tracked=False)
    assert fixed.applied == 3 and fixed.still_parked == 0
    assert applied(store)[-3:] == [("A", "bad"), ("A", "ok2"), ("A", "ok4")]
    with store.engine.connect() as conn:
        assert parking.listing(conn) == []


def test_a_passing_fault_is_raised_and_nothing_is_parked(store: EventStore) -> None:
    toy = Toy()
    toy.passing = True
    projection = toy.projection()
    projection.create_schema(store.engine)
    retire(store, "A", "ok")
    follower = LogFollower(projection, store, store.engine)
    with pytest.raises(sa_exc.OperationalError) as caught:
        follower.catch_up()
    assert is_passing(caught.value)
    with store.engine.connect() as conn:
        assert parking.listing(conn) == []
        assert tracking.position(conn, "toy") == 0
    toy.passing = False  # the database is back
    assert follower.catch_up() == 1
    assert applied(store) == [("A", "ok")]


def test_a_stream_consumer_parks_without_moving_the_stream_version(
    store: EventStore,
) -> None:
    toy = Toy()
    projection = toy.projection()
    projection.create_schema(store.engine)
    for code, reason in [("A", "ok0"), ("A", "bad"), ("B", "ok1"), ("A", "ok2")]:
        retire(store, code, reason)
    events = store.read_all()
    applier = StreamApplier(projection, store.engine)
    done = applier.apply_many(events + events[:2])  # with a redelivery
    assert [e.data["reason"] for e in done] == ["ok0", "ok1"]
    with store.engine.connect() as conn:
        assert tracking.stream_version(conn, "toy", "indicator:A") == 1
        assert tracking.stream_version(conn, "toy", "indicator:B") == 1
        assert len(parking.listing(conn)) == 2
    assert applier.apply_many(events) == []  # redelivered: parked again, once
    toy.poison = set()
    fixed = retry_parked(projection, store.engine, None, stream_tracked=True)
    assert fixed.applied == 2
    with store.engine.connect() as conn:
        assert tracking.stream_version(conn, "toy", "indicator:A") == 3
    assert applier.apply_many(events) == []  # all seen now
    assert applied(store) == [("A", "ok0"), ("B", "ok1"), ("A", "bad"), ("A", "ok2")]


def test_handlers_for_unknown_event_types_fail_at_start_up() -> None:
    with pytest.raises(UnknownEventType, match="IndicatorRetierd"):
        Projection(name="typo", handlers={"IndicatorRetierd": lambda c, e: None})


@pytest.mark.parametrize(
    ("exc", "passing"),
    [
        (
            sa_exc.OperationalError(
                "x", {}, sqlite3.OperationalError("database is locked")
            ),
            True,
        ),
        (
            sa_exc.OperationalError(
                "x", {}, sqlite3.OperationalError("no such table: t")
            ),
            False,
        ),
        (
            sa_exc.IntegrityError("x", {}, sqlite3.IntegrityError("UNIQUE failed")),
            False,
        ),
        (ConnectionRefusedError(111, "refused"), True),
        (TimeoutError(), True),
        (KeyError("title"), False),
        (TypeError("NoneType"), False),
        (ValueError("bad"), False),
    ],
)
def test_failures_are_classified(exc: BaseException, passing: bool) -> None:
    assert is_passing(exc) is passing
