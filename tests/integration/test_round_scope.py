"""Which indicators a round asks for: every measurable one when opened through
the API without a scope (the product contract), and the frequency rule's
proposal (docs/rounds.md) from ``GET /api/v1/rounds/scope/default``, which the
admin page ticks and sends as the scope."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import Api, at, indicator

P = "/api/v1"
FREQUENCIES = {
    "NI 50": "annual",
    "NI 51": "half_yearly",
    "NI 52": "quarterly",
    "NI 53": "termly",
    "NI 54": "monthly",
}


def framework(api: Api) -> None:
    for code, frequency in FREQUENCIES.items():
        api.post(f"{P}/indicators", indicator(code, frequency=frequency))
        api.put(
            f"{P}/indicators/{code.replace(' ', '%20')}/baseline",
            {"value": 50, "period_end": "2008-03-31"},
        )
        api.put(
            f"{P}/indicators/{code.replace(' ', '%20')}/target",
            {"value": 60, "period_end": "2011-03-31", "reason": "agreed"},
        )
    api.post(f"{P}/indicators", indicator("NI 60", measurable=False))


def open_round(api: Api, rid: str, period: str, **extra: Any) -> Any:
    body = {"id": rid, "period_end": period, "requested": period}
    return api.post(f"{P}/rounds", {**body, "deadline": "2011-12-31", **extra})


def test_each_round_is_proposed_the_indicators_due_at_its_period_end(
    api: Api,
) -> None:
    framework(api)

    def proposed(period: str) -> Any:
        answer = api.get(f"{P}/rounds/scope/default", params={"period_end": period})
        return answer["scope"]

    assert proposed("2009-03-31") == ["NI 50", "NI 51", "NI 52", "NI 53", "NI 54"]
    assert proposed("2009-09-30") == ["NI 51", "NI 52", "NI 53", "NI 54"]
    assert proposed("2009-12-31") == ["NI 52", "NI 53", "NI 54"]
    half_year = open_round(api, "2009-H1", "2009-09-30", scope=proposed("2009-09-30"))
    progress = api.get(f"{P}/rounds/2009-H1/outstanding")
    assert half_year["scope"] == ["NI 51", "NI 52", "NI 53", "NI 54"]
    assert progress["in_scope"] == 4
    assert "NI 50" not in {e["code"] for e in progress["outstanding"]}


def test_without_a_scope_a_round_asks_every_measurable_indicator(api: Api) -> None:
    framework(api)
    opened = open_round(api, "2009-H1", "2009-09-30")
    assert opened["scope"] is None
    progress = api.get(f"{P}/rounds/2009-H1/outstanding")
    assert progress["in_scope"] == 5  # NI 60 is not measurable


def test_the_default_is_shown_before_a_round_opens(api: Api) -> None:
    framework(api)
    shown = api.get(f"{P}/rounds/scope/default", params={"period_end": "2009-09-30"})
    assert shown == {
        "period_end": "2009-09-30",
        "scope": ["NI 51", "NI 52", "NI 53", "NI 54"],
    }
    api.get(
        f"{P}/rounds/scope/default", params={"period_end": "30/09/2009"}, expect=422
    )


def test_an_explicit_scope_is_kept_as_given(api: Api) -> None:
    framework(api)
    opened = open_round(api, "2009-H1", "2009-09-30", scope=["NI 50"])
    assert opened["scope"] == ["NI 50"]


def test_an_annual_indicator_left_out_is_not_missing_at_the_half_year(
    api: Api,
) -> None:
    framework(api)
    scope = api.get(f"{P}/rounds/scope/default", params={"period_end": "2008-09-30"})
    open_round(api, "2008-H1", "2008-09-30", deadline="2008-10-31", **scope)
    api.post(f"{P}/rounds/2008-H1/close", headers=at("2008-11-01"))
    flags = {
        i["code"]: [f["code"] for f in i["flags"]]
        for i in api.get(f"{P}/framework")["indicators"]
    }
    assert "MISSING_RETURN" not in flags["NI 50"]
    assert "MISSING_RETURN" in flags["NI 51"]


def test_a_round_with_an_empty_scope_asks_for_nothing(api: Api) -> None:
    api.post(f"{P}/indicators", indicator("NI 50", frequency="annual"))
    opened = open_round(api, "2008-H1", "2008-09-30", deadline="2008-10-31", scope=[])
    assert opened["scope"] == []
    api.post(f"{P}/rounds/2008-H1/close", headers=at("2008-11-01"))
    assert api.get(f"{P}/rounds/2008-H1/outstanding")["in_scope"] == 0
    (ni50,) = api.get(f"{P}/framework")["indicators"]
    assert "MISSING_RETURN" not in [f["code"] for f in ni50["flags"]]
