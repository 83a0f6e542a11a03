"""One event a consumer cannot apply never stops the system.

A log written before events were validated may hold an amendment that sets a
title to null. Each follower that cannot apply it parks it (with the events
of that indicator behind it); every other indicator goes on, writes answer as
recorded, replay finishes, and ``pmf parked retry`` applies them after a fix.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from services.cli import app as cli
from services.embedded import EmbeddedSystem
from shared.events.envelope import iso, utc_now
from shared.eventstore.schema import events
from shared.messaging import parking
from shared.settings import Settings
from tests.integration.conftest import Api, indicator


def _write_raw(system: EmbeddedSystem, stream: str, version: int, data: dict) -> None:
    """Append an event the way an old, unvalidated writer did."""
    now = iso(utc_now())
    with system.engine.begin() as conn:
        conn.execute(
            events.insert().values(
                event_id=str(uuid.uuid4()),
                stream=stream,
                stream_version=version,
                type="IndicatorAmended",
                schema_version=1,
                occurred_at=now,
                recorded_at=now,
                actor="admin:old writer",
                correlation_id="c",
                data=json.dumps(data),
            )
        )
    system.store.head()


def test_a_null_title_is_refused_before_it_reaches_the_log(api: Api) -> None:
    api.post("/api/v1/indicators", indicator("NI 50"))
    head = api.system.store.head()
    answer = api.patch("/api/v1/indicators/NI 50", {"title": None}, expect=422)
    assert answer["status"] == 422
    assert api.system.store.head() == head


def test_a_poison_event_in_the_log_parks_and_the_rest_goes_on(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    system = EmbeddedSystem(Settings(data_dir=data_dir))
    with TestClient(system.app()) as client:
        api = Api(client, system)
        api.post("/api/v1/indicators", indicator("NI 50"))
        api.post("/api/v1/indicators", indicator("NI 51"))
        _write_raw(
            system, "indicator:NI 50", 2, {"code": "NI 50", "changes": {"title": None}}
        )
        system.catch_up()
        # writes go on, for the held indicator too: they are recorded
        api.post("/api/v1/indicators", indicator("NI 52"), expect=201)
        api.put(
            "/api/v1/indicators/NI 51/baseline",
            {"value": 10, "period_end": "2008-03-31"},
        )
        api.put(
            "/api/v1/indicators/NI 50/baseline",
            {"value": 10, "period_end": "2008-03-31"},
        )
        codes = {row["code"] for row in api.get("/api/v1/framework")["indicators"]}
        assert {"NI 50", "NI 51", "NI 52"} <= codes
        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["status"] == "degraded"
        assert "returns.known_indicators" in ready.json()["checks"]["parked"]["reason"]
        with system.engine.connect() as conn:
            held = parking.listing(conn)
        assert {p.stream for p in held} == {"indicator:NI 50"}
        assert any(p.state == "failed" and "title" in (p.error or "") for p in held)
        admin = {"Authorization": f"Bearer {api.token('admin')}"}
        metrics = client.get("/metrics", headers=admin).text
        assert 'pmf_parked_events{consumer="returns.known_indicators"}' in metrics

    runner = CliRunner()
    listed = runner.invoke(cli, ["parked", "list", "--data-dir", str(data_dir)])
    assert listed.exit_code == 0, listed.output
    assert "indicator:NI 50" in listed.output and "failed" in listed.output
    replayed = runner.invoke(cli, ["replay", "--data-dir", str(data_dir)])
    assert replayed.exit_code == 0, replayed.output
    # still poison: retry says so and keeps it
    retried = runner.invoke(cli, ["parked", "retry", "--data-dir", str(data_dir)])
    assert retried.exit_code == 1
    # the fix: an upcaster that drops null changes of required fields
    from shared.events import upcasting

    def drop_nulls(d: dict) -> dict:
        d["changes"] = {k: v for k, v in d["changes"].items() if v is not None}
        return d

    upcasting._UPCASTERS[("IndicatorAmended", 1)] = drop_nulls
    try:
        fixed = runner.invoke(cli, ["parked", "retry", "--data-dir", str(data_dir)])
    finally:
        del upcasting._UPCASTERS[("IndicatorAmended", 1)]
    assert fixed.exit_code == 0, fixed.output
    with sa.create_engine(f"sqlite:///{data_dir / 'pmf.sqlite3'}").connect() as conn:
        assert parking.listing(conn) == []
