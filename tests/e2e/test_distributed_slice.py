"""The four services as separate processes on real Kafka and PostgreSQL."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx
import pytest
from kafka import KafkaConsumer, KafkaProducer

from tests.conftest import LAA_WAIT_SECONDS, Distributed
from tests.support.processes import eventually

pytestmark = pytest.mark.e2e
CODE = "E2E 1"
PATH = "E2E%201"


def _read_topic(bootstrap: str, topic: str, timeout: float = 10.0) -> list[Any]:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=f"test-{uuid.uuid4()}",
        consumer_timeout_ms=int(timeout * 1000),
    )
    try:
        return list(consumer)
    finally:
        consumer.close()


def admin(system: Distributed) -> dict[str, str]:
    return {"Authorization": f"Bearer {system.tokens['admin']}"}


def _entry(system: Distributed) -> dict[str, Any]:
    fw = httpx.get(f"{system.url('reporting')}/api/v1/framework", timeout=10).json()
    found = [i for i in fw["indicators"] if i["code"] == CODE]
    assert found, "indicator not in the framework yet"
    return found[0]


def test_a_command_flows_through_kafka_to_every_service(
    distributed: Distributed,
) -> None:
    ind = distributed.url("indicators")
    body = {
        "code": CODE,
        "title": "End-to-end indicator",
        "outcome": "Be healthy",
        "polarity": "lower_is_better",
        "unit": "percent",
        "frequency": "quarterly",
        "laa": True,
        "measurable": True,
        "lead_organisation": "Primary Care Trust",
        "named_lead": {"name": "Ann Lee", "email": "ann.lee@northshire.gov.uk"},
        "baseline": {"value": 20.0, "period_end": "2008-03-31"},
        "target": {"value": 15.0, "period_end": "2011-03-31", "reason": "agreed"},
    }
    anonymous = httpx.post(f"{ind}/api/v1/indicators", json=body)
    assert anonymous.status_code == 401
    created = httpx.post(
        f"{ind}/api/v1/indicators", json=body, headers=admin(distributed)
    )
    assert created.status_code == 201
    # a stale If-Match is a 409 in distributed mode too
    stale = httpx.put(
        f"{ind}/api/v1/indicators/{PATH}/lead",
        json={"lead_organisation": "Council"},
        headers={"If-Match": '"1"', **admin(distributed)},
    )
    assert stale.status_code == 409

    def lead_return() -> None:
        r = httpx.post(
            f"{distributed.url('returns')}/api/v1/returns",
            json={
                "indicator_code": CODE,
                "period_end": "2008-06-30",
                "value": 19.0,
                "prediction": "on_target",
            },
            headers=admin(distributed),
        )
        assert r.status_code == 201, r.text

    eventually(lead_return)
    settled = eventually(lambda: _assert_status(_entry(distributed), "GREEN"))
    assert settled["latest_result"]["value"] == 19.0

    events = _read_topic(distributed.kafka, "pmf.indicators")
    mine = [json.loads(m.value) for m in events if m.key == CODE.encode()]
    assert [e["type"] for e in mine][:3] == [
        "IndicatorRegistered",
        "BaselineRecorded",
        "TargetSet",
    ]
    assessments = _read_topic(distributed.kafka, "pmf.assessment")
    assert any(m.key == CODE.encode() for m in assessments)


def _assert_status(entry: dict[str, Any], status: str) -> dict[str, Any]:
    assert entry["status"] == status, entry["status_explanation"]
    return entry


def test_the_laa_stream_accepts_once_and_dead_letters_the_rest(
    distributed: Distributed,
) -> None:
    eventually(lambda: _entry(distributed))
    producer = KafkaProducer(bootstrap_servers=distributed.kafka, acks="all")
    good = {
        "result_id": "E2E-Q2",
        "indicator_code": CODE,
        "period_end": "2008-09-30",
        "value": 26.0,
        "breakdowns": {"male": 25.0, "female": 27.0},
        "submitted_at": "2008-10-20T09:00:00Z",
        "source": "LAA",
    }
    messages = [
        json.dumps(good).encode(),
        json.dumps(good).encode(),  # the same result_id again
        b"{not json",
        json.dumps({**good, "result_id": "E2E-bad", "value": "lots"}).encode(),
        json.dumps(
            {**good, "result_id": "E2E-unknown", "indicator_code": "NI 0"}
        ).encode(),
        json.dumps({k: v for k, v in good.items() if k != "period_end"}).encode(),
    ]
    for m in messages:
        producer.send("laa.results", key=CODE.encode(), value=m)
    producer.flush()
    producer.close()

    entry = eventually(lambda: _assert_status(_entry(distributed), "RED"), timeout=60)
    assert entry["latest_result"]["value"] == 26.0
    assert entry["latest_result"]["source"] == "laa"

    def dead_letters() -> list[dict[str, Any]]:
        found = [
            json.loads(m.value)
            for m in _read_topic(distributed.kafka, "pmf.dead-letter", 5)
        ]
        assert len([d for d in found if d["source_topic"] == "laa.results"]) >= 4
        return found

    # the unknown indicator is dead-lettered once its wait for a registration ends
    found = eventually(dead_letters, timeout=60 + LAA_WAIT_SECONDS)
    reasons = " | ".join(d["reason"] for d in found)
    assert "not valid JSON" in reasons
    assert "value is not a finite number" in reasons
    assert "unknown indicator" in reasons
    assert "missing field period_end" in reasons
    returns_events = _read_topic(distributed.kafka, "pmf.returns", 5)
    laa = [
        json.loads(m.value)
        for m in returns_events
        if json.loads(m.value)["type"] == "LaaResultReceived"
        and json.loads(m.value)["data"]["result_id"] == "E2E-Q2"
    ]
    assert len({e["event_id"] for e in laa}) == 1


def test_a_restarted_consumer_loses_and_doubles_nothing(
    distributed: Distributed,
) -> None:
    eventually(lambda: _entry(distributed))
    url = f"{distributed.url('reporting')}/api/v1/framework"
    before = httpx.get(url).json()
    distributed.stop("reporting")
    # while reporting is down, a change is made; it must arrive after the restart
    ind = distributed.url("indicators")
    r = httpx.patch(
        f"{ind}/api/v1/indicators/{PATH}",
        json={"title": "Renamed while down"},
        headers=admin(distributed),
    )
    assert r.status_code == 200, r.text
    distributed.start("reporting")
    distributed.wait_ready("reporting")

    def renamed() -> dict[str, Any]:
        entry = _entry(distributed)
        assert entry["title"] == "Renamed while down"
        return entry

    eventually(renamed, timeout=60)
    time.sleep(1)
    after = httpx.get(url).json()
    assert len(after["indicators"]) == len(before["indicators"])
    unchanged = [i for i in before["indicators"] if i["code"] != CODE]
    assert [i for i in after["indicators"] if i["code"] != CODE] == unchanged


def test_the_simulator_feeds_the_stream(distributed: Distributed) -> None:
    from services.returns.simulator import SimulatedIndicator, messages, produce

    eventually(lambda: _entry(distributed))
    before = len(_read_topic(distributed.kafka, "pmf.dead-letter", 3))
    stream = messages([SimulatedIndicator(CODE, 22.0, 0.1)], 24, bad_share=0.25, seed=7)
    assert produce(distributed.kafka, stream) == 24

    def all_processed() -> None:
        history = httpx.get(
            f"{distributed.url('reporting')}/api/v1/indicators/{PATH}/history"
        ).json()["history"]
        sims = [
            h
            for h in history
            if (h["details"].get("result_id") or "").startswith("SIM-")
        ]
        dead = len(_read_topic(distributed.kafka, "pmf.dead-letter", 3)) - before
        assert dead > 0 and len(sims) + dead == 24, (len(sims), dead)

    eventually(all_processed, timeout=90)


def test_every_service_exposes_metrics_with_consumer_lag(
    distributed: Distributed,
) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    text = httpx.get(f"{distributed.url('reporting')}/metrics").text
    names = {s.name for f in text_string_to_metric_families(text) for s in f.samples}
    assert "pmf_kafka_consumer_lag" in names
    for service in ("indicators", "returns", "assessment"):
        assert httpx.get(f"{distributed.url(service)}/metrics").status_code == 200
        assert httpx.get(f"{distributed.url(service)}/readyz").json()["status"] == "ok"
