"""The plan's name and years are framework settings: the pages and papers use
them instead of a plan written into the code."""

from __future__ import annotations

from tests.integration.conftest import Api, indicator


def test_plan_name_and_years_are_settings_shown_on_the_pages(api: Api) -> None:
    api.post("/api/v1/indicators", indicator("NI 50"))
    settings = api.put(
        "/api/v1/framework/settings",
        {
            "plan_name": "Young Lives Plan",
            "plan_start_year": 2020,
            "plan_end_year": 2024,
        },
    )
    assert settings["plan_name"] == "Young Lives Plan"
    assert settings["rag_mode"]  # the rules' settings are kept
    page = api.client.get("/").text
    assert "Young Lives Plan 2020\u20132024 performance framework" in page
    assert "the 2024 target" in page
    assert "2008\u20132011" not in page


def test_plan_years_are_checked(api: Api) -> None:
    problem = api.put(
        "/api/v1/framework/settings",
        {"plan_start_year": 2030, "plan_end_year": 2024},
        expect=422,
    )
    assert "after it ends" in problem["detail"]
    for bad in ({"plan_end_year": "2024"}, {"plan_end_year": None}, {"plan_name": ""}):
        api.put("/api/v1/framework/settings", bad, expect=422)


def test_without_settings_the_years_follow_the_targets(api: Api) -> None:
    api.post("/api/v1/indicators", indicator("NI 50"))
    page = api.client.get("/").text
    assert "performance framework" in page
    assert "CYPP 2008" not in page
