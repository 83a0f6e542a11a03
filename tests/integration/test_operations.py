"""Health, readiness and Prometheus metrics of the embedded process."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from shared.eventstore import tracking
from shared.http.readiness import Check
from tests.integration.conftest import Api, indicator

P = "/api/v1"


def samples(api: Api) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    # The test client is not a loopback address: it reads with a metrics token.
    bearer = {"Authorization": f"Bearer {api.token('metrics')}"}
    response = api.client.get("/metrics", headers=bearer)
    assert response.status_code == 200, response.text
    text = response.text
    found = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            found[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return found


def test_health_and_readiness(api: Api) -> None:
    assert api.get("/healthz", role=None) == {"status": "ok"}
    ready = api.client.get("/readyz")
    assert ready.status_code == 200
    # no broker in the embedded mode: the store and its followers only
    assert ready.json() == {
        "status": "ok",
        "checks": {
            "database": {"state": "ok"},
            "consumers": {"state": "ok", "lag": 0, "max_lag": 1000},
            "parked": {"state": "ok"},
        },
    }


def test_a_degraded_check_keeps_200_and_says_why(api: Api) -> None:
    api.system.readiness.add(lambda: Check("parked", "degraded", "2 events parked"))

    ready = api.client.get("/readyz")

    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "degraded"
    assert body["degraded"] == ["parked"]
    assert body["checks"]["parked"] == {
        "state": "degraded",
        "reason": "2 events parked",
    }
    assert body["checks"]["database"] == {"state": "ok"}


def test_a_down_check_is_503_naming_it_and_a_broken_check_is_down(api: Api) -> None:
    def broken() -> Check:
        raise RuntimeError("cannot tell")

    api.system.readiness.add(lambda: Check("parked", "degraded", "1 event parked"))
    api.system.readiness.add(broken)

    ready = api.client.get("/readyz")

    assert ready.status_code == 503
    body = ready.json()
    assert body["status"] == "down"
    assert body["down"] == ["broken"]
    assert body["checks"]["broken"]["state"] == "down"
    assert "cannot tell" in body["checks"]["broken"]["reason"]
    assert body["degraded"] == ["parked"]


def test_followers_behind_the_threshold_make_the_process_down(api: Api) -> None:
    api.post(f"{P}/indicators", indicator("NI 50"))
    api.system.settings.ready_max_lag = 0
    follower = api.system.followers[0]
    with api.system.engine.begin() as conn:  # as if a follower fell behind
        tracking.set_position(conn, follower.projection.name, 0)

    ready = api.client.get("/readyz")

    assert ready.status_code == 503, ready.json()
    consumers = ready.json()["checks"]["consumers"]
    assert consumers["state"] == "down"
    assert consumers["lag"] > 0
    assert "events behind (over 0)" in consumers["reason"]


def test_metrics_count_events_consumers_rag_and_routes(api: Api) -> None:
    api.post(f"{P}/indicators", indicator("NI 50"))
    api.post(
        f"{P}/rounds",
        {
            "id": "R1",
            "period_end": "2009-03-31",
            "requested": "2009-03-31",
            "deadline": "2009-04-30",
        },
    )
    found = samples(api)
    assert found[("pmf_events_appended_total", (("type", "IndicatorRegistered"),))] == 1
    consumed = (
        "pmf_events_consumed_total",
        (("consumer", "assessment"), ("type", "IndicatorRegistered")),
    )
    assert found[consumed] == 1
    assert found[("pmf_consumer_lag", (("consumer", "reporting.framework"),))] == 0
    assert found[("pmf_rag_indicators", (("status", "GREY"),))] == 1
    assert found[("pmf_returns_outstanding", (("round", "R1"),))] == 1
    assert found[("pmf_returns_overdue", (("round", "R1"),))] == 1
    routes = {
        dict(k[1]).get("route") for k in found if k[0].startswith("pmf_http_request")
    }
    assert "/api/v1/indicators" in routes
    assert not any("NI 50" in str(k) for k in found)  # no indicator codes as labels


def test_a_correlation_id_follows_a_command_into_its_events(api: Api) -> None:
    cid = "chase-2009-h2-ni50"
    response = api.client.post(
        f"{P}/indicators",
        json=indicator("NI 50"),
        headers={
            "Authorization": f"Bearer {api.token('admin')}",
            "X-Correlation-ID": cid,
        },
    )
    assert response.status_code == 201
    assert response.headers["X-Correlation-ID"] == cid
    events = api.system.store.read_all(0)
    registered = [e for e in events if e.type == "IndicatorRegistered"]
    assessed = [e for e in events if e.type == "AssessmentChanged"]
    assert registered[0].correlation_id == cid
    assert assessed and all(e.correlation_id == cid for e in assessed)


def test_logs_are_json_with_the_correlation_id(capsys: object) -> None:
    import json
    import logging

    from shared.observability.logging import JsonFormatter, correlation_id

    token = correlation_id.set("abc")
    try:
        record = logging.makeLogRecord(
            {"msg": "hello %s", "args": ("world",), "levelname": "INFO"}
        )
        line = json.loads(JsonFormatter().format(record))
    finally:
        correlation_id.reset(token)
    assert line["message"] == "hello world" and line["correlation_id"] == "abc"
