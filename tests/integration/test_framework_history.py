"""Versions, the framework as of a time, diffs and histories (embedded, over HTTP)."""

from __future__ import annotations

from tests.integration.conftest import Api, at, indicator

P = "/api/v1"


def build_history(api: Api) -> None:
    api.post(f"{P}/indicators", indicator("NI 50"), headers=at("2008-06-02"))
    api.post(
        f"{P}/indicators",
        indicator(
            "NI 112",
            polarity="lower_is_better",
            named_lead=None,
            lead_organisation=None,
        ),
        headers=at("2008-06-02"),
    )
    api.put(
        f"{P}/indicators/NI%2050/baseline",
        {"value": 60, "period_end": "2008-03-31"},
        headers=at("2008-06-03"),
    )
    api.put(
        f"{P}/indicators/NI%20112/baseline",
        {"value": 45, "period_end": "2008-03-31"},
        headers=at("2008-06-03"),
    )
    api.post(
        f"{P}/framework/versions",
        {"label": "v1", "note": "agreed"},
        headers=at("2008-06-30"),
    )
    api.put(
        f"{P}/indicators/NI%2050/target",
        {"value": 70, "period_end": "2011-03-31", "reason": "agreed July 2008"},
        headers=at("2008-07-15"),
    )
    api.put(
        f"{P}/indicators/NI%20112/lead",
        {
            "lead_organisation": "PCT",
            "named_lead": {"name": "Sam", "email": "sam@example.org"},
        },
        headers=at("2008-07-15"),
    )
    api.post(f"{P}/indicators", indicator("NI 199"), headers=at("2008-07-16"))
    api.post(
        f"{P}/framework/versions",
        {"label": "v2", "note": "targets"},
        headers=at("2008-07-31"),
    )
    api.post(
        f"{P}/returns",
        {
            "indicator_code": "NI 50",
            "period_end": "2009-03-31",
            "value": 61,
            "prediction": "on_target",
        },
        headers=at("2009-04-20"),
    )
    api.post(
        f"{P}/returns",
        {
            "indicator_code": "NI 50",
            "period_end": "2009-03-31",
            "value": 65,
            "prediction": "on_target",
            "commentary": "Corrected",
        },
        headers=at("2009-04-28"),
    )
    api.post(
        f"{P}/indicators/NI%20199/retire",
        {"reason": "withdrawn nationally"},
        headers=at("2009-05-01"),
    )
    api.post(
        f"{P}/framework/versions",
        {"label": "v3", "note": "after year one"},
        headers=at("2009-05-31"),
    )


def by_code(framework: dict) -> dict:
    return {i["code"]: i for i in framework["indicators"]}


def test_a_version_shows_the_framework_as_published(api: Api) -> None:
    build_history(api)
    v1 = by_code(api.get(f"{P}/framework?version=1"))
    assert set(v1) == {"NI 50", "NI 112"}
    assert v1["NI 50"]["target"] is None and v1["NI 50"]["status"] == "GREY"
    assert v1["NI 112"]["lead_organisation"] is None
    v2 = api.get(f"{P}/framework?version=2")
    assert v2["version"]["label"] == "v2"
    assert by_code(v2)["NI 50"]["target"]["value"] == 70
    assert by_code(v2)["NI 50"]["latest_result"] is None
    v3 = by_code(api.get(f"{P}/framework?version=3"))
    assert v3["NI 50"]["latest_result"]["value"] == 65
    assert v3["NI 199"]["retired"] is True


def test_as_of_reads_the_framework_at_any_moment(api: Api) -> None:
    build_history(api)
    before = api.get(f"{P}/framework?as_of=2008-06-01")
    assert before["indicators"] == []
    july = by_code(api.get(f"{P}/framework?as_of=2008-07-01T00:00:00Z"))
    assert set(july) == {"NI 50", "NI 112"} and july["NI 50"]["target"] is None
    april = by_code(api.get(f"{P}/framework?as_of=2009-04-25"))
    assert april["NI 50"]["latest_result"]["value"] == 61  # before the correction
    assert april["NI 50"]["status"] == "RED"
    may = by_code(api.get(f"{P}/framework?as_of=2009-04-29"))
    assert may["NI 50"]["latest_result"]["value"] == 65
    assert may["NI 50"]["latest_result"]["correction"] is True
    now = by_code(api.get(f"{P}/framework"))
    assert now["NI 50"] == {**may["NI 50"]}


def test_bad_as_of_and_unknown_versions_are_clear_errors(api: Api) -> None:
    problem = api.get(f"{P}/framework?as_of=last-tuesday", expect=422)
    assert "as_of" in problem["detail"]
    assert api.get(f"{P}/framework?version=9", expect=404)["status"] == 404
    assert api.get(f"{P}/framework/diff?from=1&to=2", expect=404)["status"] == 404


def test_diff_lists_added_retired_and_changed_fields(api: Api) -> None:
    build_history(api)
    diff = api.get(f"{P}/framework/diff?from=1&to=3")
    assert [a["code"] for a in diff["added"]] == ["NI 199"]
    assert [r["code"] for r in diff["retired"]] == []
    changed = {c["code"]: c["fields"] for c in diff["changed"]}
    assert changed["NI 50"]["target"]["from"] is None
    assert changed["NI 50"]["target"]["to"]["value"] == 70
    assert changed["NI 112"]["lead_organisation"] == {"from": None, "to": "PCT"}
    later = api.get(f"{P}/framework/diff?from=2&to=3")
    assert [r["code"] for r in later["retired"]] == ["NI 199"]


def test_versions_are_listed_with_who_and_when(api: Api) -> None:
    build_history(api)
    versions = api.get(f"{P}/framework/versions")
    assert [v["number"] for v in versions] == [1, 2, 3]
    assert versions[0]["published_at"].startswith("2008-06-30")
    assert versions[1]["indicator_count"] == 3


def test_history_holds_every_change_with_actor_and_time(api: Api) -> None:
    build_history(api)
    history = api.get(f"{P}/indicators/NI%2050/history")["history"]
    kinds = [(h["kind"], h["event_type"]) for h in history if h["kind"] != "assessment"]
    assert kinds == [
        ("definition", "IndicatorRegistered"),
        ("definition", "BaselineRecorded"),
        ("definition", "TargetSet"),
        ("result", "ReturnSubmitted"),
        ("result", "ReturnSubmitted"),
    ]
    results = [h for h in history if h["kind"] == "result"]
    assert [r["details"]["value"] for r in results] == [61, 65]
    assert results[1]["details"]["correction"] is True
    assert all(h["actor"] and h["occurred_at"] and h["recorded_at"] for h in history)
    target = next(h for h in history if h["event_type"] == "TargetSet")
    assert target["details"]["reason"] == "agreed July 2008"
    assert target["occurred_at"].startswith("2008-07-15")
    assert api.get(f"{P}/indicators/NI%2099/history", expect=404)["status"] == 404


def test_as_of_the_latest_result_is_the_greatest_period_known_then(api: Api) -> None:
    """An older period sent in later does not become the latest result, and a
    time before the newer period was sent shows the older one."""
    api.post(f"{P}/indicators", indicator("NI 50"), headers=at("2008-06-02"))

    def send(period_end: str, value: float, day: str) -> None:
        api.post(
            f"{P}/returns",
            {"indicator_code": "NI 50", "period_end": period_end, "value": value},
            headers=at(day),
        )

    send("2009-03-31", 61, "2009-04-20")
    send("2010-03-31", 64, "2010-04-20")
    send("2008-03-31", 58, "2010-05-01")  # a late return for an older year
    send("2009-03-31", 62, "2010-05-02")  # a correction of a year since passed

    def latest(when: str) -> dict:
        framework = by_code(api.get(f"{P}/framework?as_of={when}"))
        return framework["NI 50"]["latest_result"]

    assert latest("2009-04-19") is None
    assert latest("2009-04-21")["value"] == 61
    assert latest("2010-04-21")["value"] == 64
    assert latest("2010-05-03")["period_end"] == "2010-03-31"
    assert latest("2010-05-03")["value"] == 64
    now = by_code(api.get(f"{P}/framework"))["NI 50"]["latest_result"]
    assert now == latest("2010-05-03")
