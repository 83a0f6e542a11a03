"""Groups and gaps over HTTP, from results returned with breakdowns."""

from __future__ import annotations

import json

from services.embedded import EmbeddedSystem
from tests.integration.conftest import Api, at, indicator

P = "/api/v1"


def returned(api: Api, period: str, value: float, breakdowns: dict) -> None:
    api.post(
        f"{P}/returns",
        {
            "indicator_code": "NI 73",
            "period_end": period,
            "value": value,
            "breakdowns": breakdowns,
        },
        headers=at(period),
    )


def test_groups_of_a_returned_result_with_gaps_direction_and_as_of(
    api: Api, system: EmbeddedSystem
) -> None:
    api.post(f"{P}/indicators", indicator("NI 73"), headers=at("2007-04-01"))
    returned(api, "2008-03-31", 60.0, {"FSM": 45.0, "non-FSM": 63.0, "Boys": 57.0})
    returned(
        api,
        "2009-03-31",
        62.0,
        {
            "Free school meals": {"value": 44.0, "numerator": 44, "denominator": 100},
            "not_fsm": 65.0,
            "Looked after": {"value": 50.0, "n": 4},
            "Boys": 61.0,
        },
    )
    system.catch_up()
    groups = api.get(f"{P}/indicators/NI%2073/groups")
    assert [p["period_end"] for p in groups["periods"]] == ["2008-03-31", "2009-03-31"]
    latest = {
        g["group"]: g for d in groups["latest"]["dimensions"] for g in d["groups"]
    }
    fsm = latest["fsm"]
    assert (fsm["gap_to_all"], fsm["gap_to_best"]) == (-18.0, 21.0)
    assert fsm["position"] == "behind" and fsm["direction"] == "widening"
    assert latest["not_fsm"]["best"] is True
    assert latest["male"]["direction"] == "closing"
    # four looked-after children: withheld, and no gap built on them
    lac = latest["looked_after"]
    assert lac["suppressed"] and lac["value"] is None and lac["gap_to_all"] is None
    assert [d["dimension"] for d in groups["latest"]["dimensions"]] == [
        "sex",
        "disadvantage",
        "looked_after",
    ]

    before = api.get(f"{P}/indicators/NI%2073/groups?as_of=2008-06-30")
    assert [p["period_end"] for p in before["periods"]] == ["2008-03-31"]

    board = api.get(f"{P}/equalities")
    assert board["indicators_with_breakdowns"] == 1
    first = board["gaps"][0]
    assert (first["code"], first["group"]) == ("NI 73", "fsm")
    assert all(g["position"] == "behind" for g in board["gaps"])
    assert not any(g["group"] == "looked_after" for g in board["gaps"])


def test_the_gap_threshold_is_a_framework_setting(
    api: Api, system: EmbeddedSystem
) -> None:
    api.post(f"{P}/indicators", indicator("NI 73"))
    returned(api, "2009-03-31", 62.0, {"fsm": 50.0, "not_fsm": 65.0})
    system.catch_up()
    assert api.get(f"{P}/equalities")["flagged"] == 0  # 12 behind: under 20%
    api.put(f"{P}/framework/settings", {"equality_gap_threshold": 0.1})
    system.catch_up()
    gaps = api.get(f"{P}/equalities")["gaps"]
    assert [f["code"] for f in gaps[0]["flags"]] == ["gap_wide"]
    # information only: the status is the assessment's alone
    api.put(f"{P}/framework/settings", {"equality_gap_threshold": 0}, expect=422)


def test_an_unknown_group_is_refused_clearly_and_nothing_is_recorded(
    api: Api, system: EmbeddedSystem
) -> None:
    api.post(f"{P}/indicators", indicator("NI 73"))
    problem = api.post(
        f"{P}/returns",
        {
            "indicator_code": "NI 73",
            "period_end": "2009-03-31",
            "value": 62.0,
            "breakdowns": {"fsm": 50.0, "left-handed": 61.0},
        },
        expect=422,
    )
    assert "unknown breakdown group 'left-handed'" in json.dumps(problem)
    assert not [e for e in system.store.read_all(0) if e.type == "ReturnSubmitted"]


def test_an_unknown_group_on_the_stream_is_a_dead_letter_with_its_reason(
    api: Api, system: EmbeddedSystem
) -> None:
    api.post(f"{P}/indicators", indicator("NI 110", laa=True))
    item = {
        "result_id": "r1",
        "indicator_code": "NI 110",
        "period_end": "2008-06-30",
        "value": 63.2,
    }
    out = api.post(
        f"{P}/laa-results",
        [
            {**item, "breakdowns": {"Girls": {"value": 66.0, "n": 120}}},
            {**item, "result_id": "r2", "breakdowns": {"goblins": 1.0}},
        ],
        role="system",
        expect=200,
    )
    assert [r["outcome"] for r in out["results"]] == ["accepted", "rejected"]
    assert "unknown breakdown group 'goblins'" in out["results"][1]["reason"]
    accepted = next(
        e for e in system.store.read_all(0) if e.type == "LaaResultReceived"
    )
    assert accepted.data["breakdowns"] == {"female": 66.0}
    assert accepted.data["breakdown_counts"] == {"female": {"n": 120}}


def test_the_pages_show_the_groups_and_the_gaps(
    api: Api, system: EmbeddedSystem
) -> None:
    api.post(f"{P}/indicators", indicator("NI 73"), headers=at("2007-04-01"))
    returned(
        api,
        "2009-03-31",
        62.0,
        {
            "fsm": 40.0,
            "not_fsm": 66.0,
            "sen": 3,
            "looked_after": {"value": 41.7, "n": 3},
        },
    )
    system.catch_up()
    page = api.client.get("/equalities")
    assert page.status_code == 200, page.text
    assert 'href="/equalities"' in page.text
    assert "Eligible for free school meals" in page.text
    assert "\N{MINUS SIGN}22%" in page.text and "more than 20%" in page.text
    indicator_page = api.client.get("/indicators/NI%2073").text
    assert 'id="groups"' in indicator_page
    assert "Free school meals and disadvantage" in indicator_page
    assert "Behind the best-placed group by" in indicator_page
    assert '<title id="groups-sen-title">Special educational needs: With SEN 3%' in (
        indicator_page
    )
    # three looked-after children: withheld in the chart and in every table
    assert "41.7" not in indicator_page
    assert "Looked after c" in indicator_page
