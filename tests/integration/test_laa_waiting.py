"""A streamed LAA result may arrive before its indicator's registration: it waits.

The returns service and its view of indicators on one database, as in
distributed mode; the registration is applied by the real projection.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.returns.handlers import ReturnsService
from services.returns.projections import known_indicators_projection
from services.returns.tables import known_indicators
from shared.events.envelope import EventEnvelope, Metadata, NewEvent
from shared.eventstore.engine import make_engine
from shared.eventstore.store import EventStore
from shared.messaging.consumers import ApplyContext, StreamApplier

STREAM = Metadata(actor="system:laa-stream")
RESULT = {
    "result_id": "early-1",
    "indicator_code": "NI 7",
    "period_end": "2008-06-30",
    "value": 12.5,
}


class Clock:
    def __init__(self) -> None:
        self.at = datetime(2008, 7, 1, 9, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at


class Setup:
    def __init__(self, tmp_path: Path) -> None:
        self.clock = Clock()
        self.store = EventStore(make_engine(f"sqlite:///{tmp_path / 'returns.db'}"))
        self.store.create_schema()
        self.service = ReturnsService(
            self.store, unknown_wait_seconds=600, now=self.clock
        )
        self.indicators = EventStore(make_engine(f"sqlite:///{tmp_path / 'ind.db'}"))
        self.indicators.create_schema()

        def release(ctx: ApplyContext, code: str) -> None:
            recorded: list[EventEnvelope] = []
            self.service.release_waiting(ctx.conn, code, recorded)
            ctx.emitted.extend(recorded)

        projection = known_indicators_projection(release)
        projection.create_schema(self.store.engine)
        self.applier = StreamApplier(projection, self.store.engine, sink=self.store)
        self.dead: list[tuple[str, str]] = []

    def register(self, code: str) -> None:
        data = {
            "code": code,
            "title": f"Indicator {code}",
            "polarity": "higher_is_better",
            "frequency": "quarterly",
            "laa": True,
            "measurable": True,
        }
        [event] = self.indicators.append(
            f"indicator:{code}",
            0,
            [NewEvent(type="IndicatorRegistered", data=data, schema_version=2)],
            Metadata(actor="admin"),
        )
        assert self.applier.apply(event)

    def settle(self) -> list[str]:
        return [
            o.outcome
            for o in self.service.settle_waiting(
                lambda reason, payload: self.dead.append((reason, payload))
            )
        ]

    def events(self, kind: str) -> list[EventEnvelope]:
        return [e for e in self.store.read_all(0) if e.type == kind]


@pytest.fixture
def setup(tmp_path: Path) -> Setup:
    return Setup(tmp_path)


def send(setup: Setup, *messages: dict) -> list[str]:
    raws = [json.dumps(m).encode() for m in messages]
    outcomes = setup.service.receive_laa_many(raws, STREAM, wait_unknown=True)
    return [o.outcome for o in outcomes]


def test_a_result_before_its_registration_is_accepted_when_it_is_applied(
    setup: Setup,
) -> None:
    assert send(setup, RESULT, RESULT) == ["waiting", "waiting"]
    assert setup.service.waiting_count() == 1
    assert setup.settle() == []  # still within its wait
    assert setup.events("LaaResultReceived") == []
    setup.register("NI 7")
    [accepted] = setup.events("LaaResultReceived")
    assert accepted.data["result_id"] == "early-1"
    assert accepted.actor == "system:laa-stream"
    assert setup.service.waiting_count() == 0
    assert send(setup, RESULT) == ["duplicate"]
    assert setup.settle() == []
    assert len(setup.events("LaaResultReceived")) == 1
    assert setup.events("ReturnRejected") == [] and setup.dead == []


def test_the_periodic_check_accepts_a_result_the_registration_missed(
    setup: Setup,
) -> None:
    assert send(setup, RESULT) == ["waiting"]
    # the registration committed while this result was being decided, so the
    # projection found nothing waiting: only the indicator row appears
    with setup.store.transaction() as conn:
        conn.execute(
            known_indicators.insert().values(
                code="NI 7",
                title="Indicator NI 7",
                measurable=True,
                retired=False,
                laa=True,
                frequency="quarterly",
            )
        )
    assert setup.settle() == ["accepted"]
    assert len(setup.events("LaaResultReceived")) == 1
    assert setup.service.waiting_count() == 0


def test_a_result_whose_wait_is_over_is_dead_lettered_with_its_reason(
    setup: Setup,
) -> None:
    assert send(setup, RESULT) == ["waiting"]
    setup.clock.at += timedelta(seconds=599)
    assert setup.settle() == []
    setup.clock.at += timedelta(seconds=2)
    assert setup.settle() == ["rejected"]
    [(reason, payload)] = setup.dead
    assert reason == "unknown indicator NI 7 (not registered within 600 s)"
    assert json.loads(payload)["result_id"] == "early-1"
    [rejected] = setup.events("ReturnRejected")
    assert rejected.data["reason"] == reason
    assert setup.service.waiting_count() == 0
    setup.register("NI 7")  # too late: nothing is accepted
    assert setup.events("LaaResultReceived") == []


def test_a_failed_dead_letter_leaves_the_result_waiting(setup: Setup) -> None:
    send(setup, RESULT)
    setup.clock.at += timedelta(seconds=601)

    def broker_away(reason: str, payload: str) -> None:
        raise ConnectionError("broker away")

    with pytest.raises(ConnectionError):
        setup.service.settle_waiting(broker_away)
    assert setup.service.waiting_count() == 1
    assert setup.events("ReturnRejected") == []
    assert setup.settle() == ["rejected"]


def test_without_waiting_an_unknown_indicator_is_rejected_at_once(
    setup: Setup,
) -> None:
    out = setup.service.receive_laa_many([RESULT], STREAM)
    assert out[0].outcome == "rejected"
    assert out[0].reason == "unknown indicator NI 7"
    assert setup.service.waiting_count() == 0
