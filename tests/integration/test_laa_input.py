"""Each LAA item is judged on its own, by the same date and text rules as returns."""

from __future__ import annotations

import json

import pytest

from services.embedded import EmbeddedSystem
from tests.integration.conftest import Api, indicator

P = "/api/v1"
GOOD = {
    "result_id": "ok-1",
    "indicator_code": "NI 110",
    "period_end": "2008-06-30",
    "value": 63.2,
    "submitted_at": "2008-07-20T09:00:00Z",
}


def post_batch(api: Api, body: str) -> dict:
    return api.call(
        "POST",
        f"{P}/laa-results",
        expect=200,
        content=body.encode("utf-8", "surrogatepass"),
        headers={"Content-Type": "application/json"},
    )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"period_end": "9999-12-31"}, "period_end must be between"),
        ({"period_end": "0001-01-01"}, "period_end must be between"),
        ({"submitted_at": "x" * 4_900_000}, "larger than 64 kB"),
        ({"submitted_at": "2008-07-20T09:00:00Z" + " " * 100}, "submitted_at"),
        ({"submitted_at": "last Tuesday"}, "submitted_at"),
        ({"submitted_at": "0001-01-01T00:00:00"}, "submitted_at"),
        ({"submitted_at": 20080720}, "submitted_at"),
        ({"source": "\ud800"}, "source"),
        ({"breakdowns": {"\ud800": 1.0}}, "breakdown groups"),
        ({"indicator_code": "NI 110\ud800"}, "indicator_code"),
        ({"result_id": "bad-\ud800"}, "result_id"),
    ],
)
def test_a_bad_item_is_rejected_alone_and_its_neighbours_kept(
    api: Api, system: EmbeddedSystem, change: dict, reason: str
) -> None:
    api.post(f"{P}/indicators", indicator("NI 110", laa=True))
    bad = {**GOOD, "result_id": "bad-1", **change}
    batch = [GOOD, bad, {**GOOD, "result_id": "ok-2", "period_end": "2008-09-30"}]
    # a lone surrogate cannot be sent as UTF-8 unless escaped, as JSON allows
    out = post_batch(api, json.dumps(batch))
    assert [r["outcome"] for r in out["results"]] == [
        "accepted",
        "rejected",
        "accepted",
    ], out
    assert reason in out["results"][1]["reason"]
    assert out["results"][1]["result_id"] in ("bad-1", None)
    assert (out["accepted"], out["rejected"]) == (2, 1)
    log = system.store.read_all(0)
    accepted = [e for e in log if e.type == "LaaResultReceived"]
    assert {e.data["result_id"] for e in accepted} == {"ok-1", "ok-2"}
    rejected = [e for e in log if e.type == "ReturnRejected"]
    assert len(rejected) == 1 and reason in rejected[0].data["reason"]
    assert all(len(json.dumps(e.data)) < 70_000 for e in log)


def test_an_absurd_date_never_becomes_the_latest_result(
    api: Api, system: EmbeddedSystem
) -> None:
    api.post(f"{P}/indicators", indicator("NI 110", laa=True))
    batch = [
        GOOD,
        {**GOOD, "result_id": "far", "period_end": "9999-12-31"},
        {**GOOD, "result_id": "early", "period_end": "0001-01-01"},
    ]
    post_batch(api, json.dumps(batch))
    system.catch_up()
    entry = next(
        i
        for i in api.get(f"{P}/framework", role=None)["indicators"]
        if i["code"] == "NI 110"
    )
    assert entry["latest_result"]["period_end"] == "2008-06-30"
    page = api.client.get("/indicators/NI%20110")
    assert page.status_code == 200, page.text


def test_dates_at_the_edges_of_the_range_are_accepted(
    api: Api, system: EmbeddedSystem
) -> None:
    api.post(f"{P}/indicators", indicator("NI 110", laa=True))
    batch = [
        {**GOOD, "result_id": "first", "period_end": "1990-01-01"},
        {**GOOD, "result_id": "last", "period_end": "2100-12-31"},
        {**GOOD, "result_id": "after", "period_end": "2101-01-01"},
        {**GOOD, "result_id": "before", "period_end": "1989-12-31"},
    ]
    out = post_batch(api, json.dumps(batch))
    assert [r["outcome"] for r in out["results"]] == [
        "accepted",
        "accepted",
        "rejected",
        "rejected",
    ]


def test_a_period_sent_again_in_a_later_batch_is_counted_and_shown_as_a_correction(
    api: Api, system: EmbeddedSystem
) -> None:
    """Batches look up only the (indicator, period) pairs they name: a period
    sent again is found whatever else the indicator has, and a new period of
    the same indicator is not taken for one seen before."""
    import sqlalchemy as sa

    from services.reporting.tables import timeline
    from services.returns.tables import results_index

    api.post(f"{P}/indicators", indicator("NI 110", laa=True))
    first = [GOOD, {**GOOD, "result_id": "ok-2", "period_end": "2008-09-30"}]
    assert post_batch(api, json.dumps(first))["accepted"] == 2
    again = [
        {**GOOD, "result_id": "ok-3", "period_end": "2008-12-31"},
        {**GOOD, "result_id": "ok-4", "value": 64.0},
    ]
    assert post_batch(api, json.dumps(again))["accepted"] == 2
    with system.engine.connect() as conn:
        counts = dict(
            conn.execute(
                sa.select(results_index.c.period_end, results_index.c.returns)
            ).all()
        )
        shown = [
            (row.period_end, json.loads(row.data)["correction"])
            for row in conn.execute(
                sa.select(timeline.c.period_end, timeline.c.data)
                .where(timeline.c.kind == "result")
                .order_by(timeline.c.seq)
            )
        ]
    assert counts == {"2008-06-30": 2, "2008-09-30": 1, "2008-12-31": 1}
    assert shown == [
        ("2008-06-30", False),
        ("2008-09-30", False),
        ("2008-12-31", False),
        ("2008-06-30", True),
    ]
