"""A round opened without a scope asks only for the indicators due in it."""

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


def test_each_round_asks_for_the_indicators_due_at_its_period_end(api: Api) -> None:
    framework(api)
    year_end = open_round(api, "2009-H2", "2009-03-31")
    half_year = open_round(api, "2009-H1", "2009-09-30")
    quarter = open_round(api, "2009-Q3", "2009-12-31")
    assert year_end["scope"] == ["NI 50", "NI 51", "NI 52", "NI 53", "NI 54"]
    assert half_year["scope"] == ["NI 51", "NI 52", "NI 53", "NI 54"]
    assert quarter["scope"] == ["NI 52", "NI 53", "NI 54"]
    progress = api.get(f"{P}/rounds/2009-H1/outstanding")
    assert progress["in_scope"] == 4
    assert "NI 50" not in {e["code"] for e in progress["outstanding"]}


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


def test_an_annual_indicator_is_not_missing_at_the_half_year(api: Api) -> None:
    framework(api)
    open_round(api, "2008-H1", "2008-09-30", deadline="2008-10-31")
    api.post(f"{P}/rounds/2008-H1/close", headers=at("2008-11-01"))
    flags = {
        i["code"]: [f["code"] for f in i["flags"]]
        for i in api.get(f"{P}/framework")["indicators"]
    }
    assert "MISSING_RETURN" not in flags["NI 50"]
    assert "MISSING_RETURN" in flags["NI 51"]


def test_a_round_with_nothing_due_asks_for_nothing(api: Api) -> None:
    api.post(f"{P}/indicators", indicator("NI 50", frequency="annual"))
    opened = open_round(api, "2008-H1", "2008-09-30", deadline="2008-10-31")
    assert opened["scope"] == []
    api.post(f"{P}/rounds/2008-H1/close", headers=at("2008-11-01"))
    assert api.get(f"{P}/rounds/2008-H1/outstanding")["in_scope"] == 0
    (ni50,) = api.get(f"{P}/framework")["indicators"]
    assert "MISSING_RETURN" not in [f["code"] for f in ni50["flags"]]
