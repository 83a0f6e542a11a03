"""The pieces behind /readyz and quiet logs during a broker outage, without I/O:
how checks combine, how the lag sampler remembers the last good reading, and how
repeated client log lines are limited."""

from __future__ import annotations

import logging

import pytest

from shared.http.readiness import Check, Readiness, overall
from shared.messaging.lag import LagSampler
from shared.observability.repeats import RepeatFilter


def test_the_worst_check_wins_and_only_down_is_503() -> None:
    ok = Check("database")
    degraded = Check("parked", "degraded", "3 events parked")
    down = Check("broker", "down", "unreachable")

    assert overall([ok]) == (
        200,
        {"status": "ok", "checks": {"database": {"state": "ok"}}},
    )
    status, body = overall([ok, degraded])
    assert (status, body["status"], body["degraded"]) == (200, "degraded", ["parked"])
    status, body = overall([degraded, down, ok])
    assert (status, body["status"], body["down"]) == (503, "down", ["broker"])
    assert body["checks"]["broker"] == {"state": "down", "reason": "unreachable"}


def test_checks_can_be_added_after_the_app_is_built() -> None:
    readiness = Readiness([lambda: Check("database")])
    assert readiness.evaluate()[0] == 200

    readiness.add(lambda: Check("consumers", "down", "joining group", {"lag": None}))

    status, body = readiness.evaluate()
    assert status == 503
    assert body["checks"]["consumers"] == {
        "state": "down",
        "reason": "joining group",
        "lag": None,
    }


class FlakyBroker:
    def __init__(self) -> None:
        self.up = True
        self.lag = {("pmf.indicators", 0): 7, ("pmf.indicators", 1): 3}

    def measure(self) -> dict[tuple[str, int], int]:
        if not self.up:
            raise ConnectionError("NoBrokersAvailable")
        return dict(self.lag)


def test_the_sampler_keeps_the_last_good_lag_and_logs_each_change_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    broker = FlakyBroker()
    sampler = LagSampler(broker.measure, interval=5, what="broker b:9092")
    assert sampler.sample.total is None and sampler.sample.broker_up is None

    first = sampler.sample_once()
    assert (first.total, first.broker_up) == (10, True)

    broker.up = False
    with caplog.at_level(logging.INFO, logger="shared.messaging.lag"):
        for _ in range(50):
            during = sampler.sample_once()
        broker.up = True
        broker.lag = {("pmf.indicators", 0): 0, ("pmf.indicators", 1): 0}
        for _ in range(5):
            after = sampler.sample_once()

    # never 0 because the broker is away: the last reading, with its age
    assert (during.total, during.broker_up) == (10, False)
    assert during.taken_at == first.taken_at
    assert "NoBrokersAvailable" in (during.error or "")
    assert (after.total, after.broker_up, after.error) == (0, True, None)
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2, messages
    assert messages[0].startswith("cannot read consumer lag from broker b:9092")
    assert messages[1] == "consumer lag read from broker b:9092 again"


def record(name: str, msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord(name, logging.ERROR, __file__, 1, msg, args, None)


def test_repeats_of_a_client_message_pass_once_a_window_with_a_count() -> None:
    now = [0.0]
    quiet = RepeatFilter(window=60, clock=lambda: now[0])
    template = "Unable connect to node with id %s: %s"

    passed = [
        quiet.filter(record("aiokafka.conn", template, i, "refused"))
        for i in range(1900)
    ]
    assert passed.count(True) == 1
    now[0] = 61.0
    later = record("aiokafka.conn", template, 1, "refused")
    assert quiet.filter(later)
    assert "repeated 1899 times" in later.getMessage()
    # another message, and pmf's own loggers, are never held back
    assert quiet.filter(record("kafka.client", "Bootstrap failed"))
    assert all(
        quiet.filter(record("shared.messaging.lag", "broker down")) for _ in range(3)
    )
