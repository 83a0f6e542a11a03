"""On Kafka, an LAA result can overtake its indicator's registration: it waits.

The registration travels on ``pmf.indicators`` and the result on
``laa.results``; the returns service keeps the result until the registration
is applied, then accepts it once. Bad items in the same batch go to
``pmf.dead-letter`` with their reason and do not hold the good ones back.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
from kafka import KafkaConsumer, KafkaProducer
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import LAA_WAIT_SECONDS, Distributed
from tests.support.processes import eventually

pytestmark = pytest.mark.e2e


def _topic(bootstrap: str, topic: str, timeout: float = 5.0) -> list[dict[str, Any]]:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=f"test-{uuid.uuid4()}",
        consumer_timeout_ms=int(timeout * 1000),
    )
    try:
        return [json.loads(m.value) for m in consumer]
    finally:
        consumer.close()


def _laa_outcomes(system: Distributed) -> dict[str, float]:
    text = httpx.get(f"{system.url('returns')}/metrics", timeout=10).text
    return {
        s.labels["outcome"]: s.value
        for f in text_string_to_metric_families(text)
        for s in f.samples
        if s.name == "pmf_laa_results_received_total"
    }


def _indicator(code: str) -> dict[str, Any]:
    return {
        "code": code,
        "title": "Registered after its first LAA result",
        "outcome": "Enjoy and achieve",
        "polarity": "higher_is_better",
        "unit": "percent",
        "frequency": "quarterly",
        "laa": True,
        "measurable": True,
        "lead_organisation": "Council",
    }


def test_a_result_sent_before_the_registration_waits_and_is_accepted_once(
    distributed: Distributed,
) -> None:
    code = f"LATE {uuid.uuid4().hex[:6]}"
    never = f"NEVER {uuid.uuid4().hex[:6]}"
    good = {
        "result_id": f"{code}-Q1",
        "indicator_code": code,
        "period_end": "2008-06-30",
        "value": 71.5,
        "submitted_at": "2008-07-20T09:00:00Z",
    }
    batch = [
        json.dumps(good).encode(),
        json.dumps(
            {**good, "result_id": f"{code}-far", "period_end": "9999-12-31"}
        ).encode(),
        # a lone surrogate, escaped as JSON allows
        json.dumps({**good, "result_id": f"{code}-bad", "source": "\ud800"}).encode(),
        json.dumps({**good, "result_id": f"{code}-Q1"}).encode(),  # sent twice
        json.dumps(
            {**good, "result_id": f"{never}-Q1", "indicator_code": never}
        ).encode(),
    ]
    waiting_before = _laa_outcomes(distributed).get("waiting", 0.0)
    producer = KafkaProducer(bootstrap_servers=distributed.kafka, acks="all")
    for m in batch:
        producer.send("laa.results", key=code.encode(), value=m)
    producer.flush()
    producer.close()

    def held() -> None:
        # the good result twice and the never-registered one
        assert _laa_outcomes(distributed).get("waiting", 0.0) >= waiting_before + 3

    eventually(held, timeout=60)
    created = httpx.post(
        f"{distributed.url('indicators')}/api/v1/indicators",
        json=_indicator(code),
        headers={"Authorization": f"Bearer {distributed.tokens['admin']}"},
        timeout=10,
    )
    assert created.status_code == 201, created.text

    def latest() -> dict[str, Any]:
        fw = httpx.get(
            f"{distributed.url('reporting')}/api/v1/framework", timeout=10
        ).json()
        found = [i for i in fw["indicators"] if i["code"] == code]
        assert found and found[0]["latest_result"], "no result yet"
        return found[0]["latest_result"]

    result = eventually(latest, timeout=60)
    assert result["value"] == 71.5 and result["period_end"] == "2008-06-30"

    def dead_letters() -> dict[str, str]:
        found = {
            json.loads(d["payload"])["result_id"]: d["reason"]
            for d in _topic(distributed.kafka, "pmf.dead-letter")
            if d["source_topic"] == "laa.results"
            and (code in d["payload"] or never in d["payload"])
        }
        assert f"{never}-Q1" in found, found
        return found

    reasons = eventually(dead_letters, timeout=60 + LAA_WAIT_SECONDS)
    assert "period_end must be between" in reasons[f"{code}-far"]
    assert "source" in reasons[f"{code}-bad"]
    assert reasons[f"{never}-Q1"] == (
        f"unknown indicator {never} (not registered within {LAA_WAIT_SECONDS} s)"
    )
    assert f"{code}-Q1" not in reasons
    accepted = [
        e
        for e in _topic(distributed.kafka, "pmf.returns")
        if e["type"] == "LaaResultReceived"
    ]
    mine = [e for e in accepted if e["data"]["indicator_code"] in (code, never)]
    assert [e["data"]["result_id"] for e in mine] == [f"{code}-Q1"]
