"""Absurd and hostile input gets a 4xx problem, never a 5xx, and never reaches the log."""

from __future__ import annotations

import json

import pytest

from services.embedded import EmbeddedSystem
from tests.integration.conftest import Api, indicator

P = "/api/v1"


def raw(api: Api, path: str, body: str | bytes, expect: int | tuple[int, ...]) -> dict:
    return api.call(
        "POST",
        path,
        expect=expect,
        content=body,
        headers={"Content-Type": "application/json"},
    )


@pytest.mark.parametrize(
    "value",
    ["NaN", "Infinity", "-Infinity", "1e308", "1e999", '"62"', "true", "null", "[]"],
)
def test_values_that_are_not_sensible_numbers_are_refused(
    api: Api, system: EmbeddedSystem, value: str
) -> None:
    api.post(f"{P}/indicators", indicator("NI 50"))
    head = system.store.head()
    body = (
        f'{{"indicator_code": "NI 50", "period_end": "2009-03-31", "value": {value}}}'
    )
    problem = raw(api, f"{P}/returns", body, 422)
    assert "value" in problem["detail"]
    assert system.store.head() == head


def test_oversize_and_deeply_nested_bodies_are_refused(
    api: Api, system: EmbeddedSystem
) -> None:
    head = system.store.head()
    huge = json.dumps({**indicator("NI 50"), "title": "x" * 10_000_000})
    assert raw(api, f"{P}/indicators", huge, 413)["status"] == 413
    nested = "[" * 100_000 + "]" * 100_000
    assert raw(api, f"{P}/laa-results", nested, (400, 422))["status"] in (400, 422)
    long_title = {**indicator("NI 50"), "title": "x" * 5000}
    assert api.post(f"{P}/indicators", long_title, expect=422)["status"] == 422
    assert system.store.head() == head


@pytest.mark.parametrize(
    "change",
    [
        {"code": ""},
        {"code": "x" * 33},
        {"code": "NI<50>"},
        {"polarity": "sideways"},
        {"frequency": "weekly"},
        {"tolerance": -1},
        {"named_lead": {"name": "A", "email": "not-an-email"}},
        {"unexpected": 1},
    ],
)
def test_bad_indicator_fields_are_named_in_the_problem(api: Api, change: dict) -> None:
    problem = api.post(f"{P}/indicators", {**indicator("NI 50"), **change}, expect=422)
    assert problem["title"] == "Invalid input"
    assert any(k in problem["detail"] for k in change)


def test_bad_dates_and_unknown_things(api: Api) -> None:
    api.post(f"{P}/indicators", indicator("NI 50"))
    bad_date = {"indicator_code": "NI 50", "period_end": "2009-02-30", "value": 1}
    assert "period_end" in api.post(f"{P}/returns", bad_date, expect=422)["detail"]
    unknown = {"indicator_code": "NI 404", "period_end": "2009-03-31", "value": 1}
    assert api.post(f"{P}/returns", unknown, expect=404)["status"] == 404
    api.post(f"{P}/indicators/NI%2050/retire", {"reason": "gone"})
    retired = {"indicator_code": "NI 50", "period_end": "2009-03-31", "value": 1}
    assert "retired" in api.post(f"{P}/returns", retired, expect=422)["detail"]
    breakdown = {**retired, "breakdowns": {"male": "many"}}
    assert api.post(f"{P}/returns", breakdown, expect=422)["status"] == 422


def test_laa_batches_report_each_item(api: Api, system: EmbeddedSystem) -> None:
    api.post(f"{P}/indicators", indicator("NI 110", laa=True))
    good = {
        "result_id": "r1",
        "indicator_code": "NI 110",
        "period_end": "2008-06-30",
        "value": 63.2,
    }
    batch = [
        good,
        good,
        {**good, "result_id": "r2", "value": "high"},
        {**good, "result_id": "r3", "indicator_code": "NI 999"},
        {**good, "result_id": "r4", "period_end": "2008-13-01"},
        {"indicator_code": "NI 110"},
        "not an object",
        {**good, "result_id": "r5", "value": float("1e300") * 10},
    ]
    body = json.dumps(batch).replace("Infinity", "1e999")
    out = raw(api, f"{P}/laa-results", body, 200)
    outcomes = [(r["result_id"], r["outcome"]) for r in out["results"]]
    assert outcomes[:2] == [("r1", "accepted"), ("r1", "duplicate")]
    assert out["accepted"] == 1 and out["duplicate"] == 1 and out["rejected"] == 6
    reasons = [r.get("reason", "") for r in out["results"]]
    assert "value is not a finite number" in reasons
    assert "unknown indicator NI 999" in reasons
    assert any("missing field" in r for r in reasons)
    rejected = [e for e in system.store.read_all(0) if e.type == "ReturnRejected"]
    assert len(rejected) == 6
