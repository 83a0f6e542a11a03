"""Publishing a Board paper on the distributed reporting service (Kafka, PostgreSQL).

The same event path as embedded mode: the edit and the publication are appended
to the reporting service's own store and relayed to ``pmf.reporting``; a later
correction reaches the read models through Kafka but not the published paper,
which comes back byte for byte after a restart with its renderings removed.
"""

from __future__ import annotations

import json
import shutil
import uuid
from typing import Any

import httpx
import pytest
from kafka import KafkaConsumer

from tests.conftest import Distributed
from tests.support.processes import eventually

pytestmark = pytest.mark.e2e
CODE = "PUB 1"
ROUND = "PUB-2008-H1"


def admin(system: Distributed) -> dict[str, str]:
    return {"Authorization": f"Bearer {system.tokens['admin']}"}


def _ok(response: httpx.Response, *codes: int) -> Any:
    assert response.status_code in (codes or (200,)), response.text[:500]
    return (
        response.json() if "json" in response.headers.get("content-type", "") else None
    )


def _topic(bootstrap: str, topic: str) -> list[dict[str, Any]]:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=f"test-{uuid.uuid4()}",
        consumer_timeout_ms=5000,
    )
    try:
        return [json.loads(m.value) for m in consumer]
    finally:
        consumer.close()


def test_a_published_board_paper_survives_a_correction_and_a_restart(
    distributed: Distributed,
) -> None:
    ind, ret = distributed.url("indicators"), distributed.url("returns")
    rep = distributed.url("reporting")
    _ok(
        httpx.post(
            f"{ind}/api/v1/indicators",
            json={
                "code": CODE,
                "title": "Published paper indicator",
                "outcome": "Stay safe",
                "polarity": "higher_is_better",
                "unit": "percent",
                "frequency": "half_yearly",
                "laa": False,
                "measurable": True,
                "lead_organisation": "Northshire County Council",
                "named_lead": {"name": "Ann Lee", "email": "ann.lee@northshire.gov.uk"},
                "baseline": {"value": 50.0, "period_end": "2008-03-31"},
                "target": {
                    "value": 60.0,
                    "period_end": "2011-03-31",
                    "reason": "agreed",
                },
            },
            headers=admin(distributed),
            timeout=30,
        ),
        201,
    )
    eventually(
        lambda: _ok(
            httpx.post(
                f"{ret}/api/v1/rounds",
                json={
                    "id": ROUND,
                    "period_end": "2008-09-30",
                    "requested": "2008-09-30",
                    "deadline": "2008-10-31",
                    "scope": [CODE],
                },
                headers=admin(distributed),
                timeout=30,
            ),
            201,
        )
    )

    def submit(value: float) -> None:
        _ok(
            httpx.post(
                f"{ret}/api/v1/returns",
                json={
                    "indicator_code": CODE,
                    "period_end": "2008-09-30",
                    "value": value,
                    "prediction": "on_target",
                    "commentary": "Contact ann.lee@northshire.gov.uk for detail.",
                },
                headers=admin(distributed),
                timeout=30,
            ),
            201,
        )

    eventually(lambda: submit(52.0))
    paper = f"{rep}/api/v1/reports/{ROUND}/board"

    def reported(value: float, kind: str = "board") -> dict[str, Any]:
        found = _ok(httpx.get(f"{rep}/api/v1/reports/{ROUND}/{kind}", timeout=30))
        [entry] = [i for i in found["indicators"] if i["code"] == CODE]
        assert (entry["latest_result"] or {}).get("value") == value
        return found

    eventually(lambda: reported(52.0), timeout=60)
    _ok(
        httpx.put(
            f"{paper}/draft",
            json={"purpose": "To report the first half-year."},
            headers=admin(distributed),
            timeout=30,
        )
    )
    issued = _ok(
        httpx.post(f"{paper}/publish", headers=admin(distributed), timeout=60), 201
    )
    digest = issued["content_digest"]
    before = {}
    for fmt in ("json", "pdf"):
        response = httpx.get(f"{paper}?format={fmt}", timeout=120)
        assert response.status_code == 200
        assert response.headers["X-Content-Digest"] == f"sha256={digest}"
        before[fmt] = response.content
    published = json.loads(before["json"])
    assert "ann.lee" not in before["json"].decode()
    assert published["edits"]["purpose"] == "To report the first half-year."

    # both events travel on the reporting topic, with their actor
    def on_topic() -> list[dict[str, Any]]:
        found = [
            e
            for e in _topic(distributed.kafka, "pmf.reporting")
            if e["stream"] == f"report:{ROUND}:board"
        ]
        assert [e["type"] for e in found] == ["ReportDraftEdited", "ReportPublished"]
        return found

    events = eventually(on_topic, timeout=60)
    assert events[1]["data"]["content_digest"] == digest
    assert all(e["actor"].startswith("admin:") for e in events)

    # a correction reaches the live report through Kafka, not the published one
    submit(58.0)
    eventually(lambda: reported(58.0, "executive"), timeout=60)
    assert httpx.get(f"{paper}?format=json", timeout=30).content == before["json"]

    # a restart without any kept rendering lays the paper out again from the log
    distributed.stop("reporting")
    data = distributed.work / "data-reporting"
    shutil.rmtree(data / "published", ignore_errors=True)
    shutil.rmtree(data / "papers", ignore_errors=True)
    distributed.start("reporting")
    distributed.wait_ready("reporting")
    for fmt, body in before.items():
        again = httpx.get(f"{paper}?format={fmt}", timeout=120)
        assert again.status_code == 200
        assert again.content == body, fmt
