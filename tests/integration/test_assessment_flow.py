"""Section 5 through the HTTP API: settings, rounds, flags, challenges, decisions."""

from __future__ import annotations

from datetime import date

from shared.events.envelope import Metadata
from tests.integration.conftest import Api, indicator

P = "/api/v1"


def setup(api: Api) -> None:
    api.post(
        f"{P}/indicators",
        indicator(
            "NI 50",
            baseline={"value": 60, "period_end": "2008-03-31"},
            target={"value": 70, "period_end": "2011-03-31", "reason": "agreed"},
        ),
    )
    api.post(
        f"{P}/indicators",
        indicator(
            "NI 52",
            named_lead=None,
            baseline={"value": 40, "period_end": "2008-03-31"},
            target={"value": 50, "period_end": "2011-03-31"},
        ),
    )
    api.post(
        f"{P}/returns",
        {
            "indicator_code": "NI 50",
            "period_end": "2009-03-31",
            "value": 62.9,
            "prediction": "on_target",
        },
    )


def framework(api: Api) -> dict:
    return {i["code"]: i for i in api.get(f"{P}/framework")["indicators"]}


def test_rag_mode_change_reassesses_every_indicator(api: Api) -> None:
    setup(api)
    # projection 62.9 + 2 * 2.9 = 68.7; tolerance 0.05 * 10 = 0.5: RED in red_green
    before = framework(api)["NI 50"]
    assert before["status"] == "RED"
    assert abs(before["projection"] - 68.7) < 1e-6
    api.put(
        f"{P}/framework/settings",
        {"rag_mode": "red_amber_green", "amber_fraction": 0.2},
    )
    after = framework(api)["NI 50"]
    assert after["status"] == "AMBER"  # gap -1.3 within tolerance 2.0
    assert api.get(f"{P}/framework/settings")["rag_mode"] == "red_amber_green"


def test_a_closed_round_raises_challenges_and_the_executive_decides(api: Api) -> None:
    setup(api)
    api.post(
        f"{P}/rounds",
        {
            "id": "2008-H2",
            "period_end": "2009-03-31",
            "requested": "2009-03-31",
            "deadline": "2099-04-30",
        },
    )
    # the deadline is in the future and the round is open: no missing returns yet
    assert "MISSING_RETURN" not in [f["code"] for f in framework(api)["NI 52"]["flags"]]
    outstanding = api.get(f"{P}/rounds/2008-H2/outstanding")
    assert [o["code"] for o in outstanding["outstanding"]] == ["NI 52"]
    api.post(f"{P}/rounds/2008-H2/close")
    flags = {c: [f["code"] for f in i["flags"]] for c, i in framework(api).items()}
    assert flags["NI 50"] == ["PREDICTION_CONFLICT"]
    assert flags["NI 52"] == ["MISSING_RETURN", "NO_LEAD"]
    listed = api.get(f"{P}/assessments?round=2008-H2&flag=PREDICTION_CONFLICT")
    assert [a["indicator_code"] for a in listed] == ["NI 50"]
    decided = api.post(
        f"{P}/challenges/NI%2050/2008-H2/decision",
        {"decision": "lead_view_accepted", "note": "New service starts in April"},
        role="executive",
    )
    assert decided["computed_status"] == "RED" and decided["decided_status"] == "GREEN"
    entry = framework(api)["NI 50"]
    assert entry["status"] == "RED" and entry["shown_status"] == "GREEN"
    assert entry["decision"]["note"] == "New service starts in April"
    history = api.get(f"{P}/indicators/NI%2050/history")["history"]
    kinds = [h["kind"] for h in history]
    assert "challenge" in kinds and "decision" in kinds


def test_decisions_need_a_flag_and_a_known_round(api: Api) -> None:
    setup(api)
    body = {"decision": "upheld"}
    api.post(
        f"{P}/challenges/NI%2050/nope/decision", body, role="executive", expect=404
    )
    api.post(
        f"{P}/rounds",
        {
            "id": "2008-H2",
            "period_end": "2009-03-31",
            "requested": "2009-03-31",
            "deadline": "2099-04-30",
        },
    )
    api.post(
        f"{P}/returns",
        {
            "indicator_code": "NI 52",
            "period_end": "2009-03-31",
            "value": 45.0,
            "prediction": "on_target",
        },
    )
    api.put(f"{P}/indicators/NI%2052/lead", {"named_lead": {"name": "Bo"}})
    problem = api.post(
        f"{P}/challenges/NI%2052/2008-H2/decision", body, role="executive", expect=422
    )
    assert "nothing to decide" in problem["detail"]


def test_a_past_deadline_counts_as_reached(api: Api) -> None:
    setup(api)
    api.post(
        f"{P}/rounds",
        {
            "id": "2008-H2",
            "period_end": "2009-03-31",
            "requested": "2009-03-31",
            "deadline": "2009-04-30",
        },
    )
    flags = [f["code"] for f in framework(api)["NI 52"]["flags"]]
    assert "MISSING_RETURN" in flags
    api.post(
        f"{P}/returns",
        {"indicator_code": "NI 52", "period_end": "2009-03-31", "value": 44.0},
    )
    flags = [f["code"] for f in framework(api)["NI 52"]["flags"]]
    assert "MISSING_RETURN" not in flags and "NO_PREDICTION" in flags


def test_actions_are_tracked_to_completion(api: Api) -> None:
    setup(api)
    made = api.post(
        f"{P}/actions",
        {
            "indicator_code": "NI 50",
            "description": "Review plan",
            "owner": "Head of Service",
            "due": "2009-06-30",
        },
    )
    assert made["status"] == "overdue"
    assert [a["id"] for a in api.get(f"{P}/actions?status=due")] == [made["id"]]
    done = api.post(
        f"{P}/actions/{made['id']}/complete", {"note": "Done"}, role="executive"
    )
    assert done["status"] == "completed"
    assert api.get(f"{P}/actions?status=due") == []
    api.post(f"{P}/actions/A99/complete", expect=404)
    api.post(
        f"{P}/actions",
        {
            "indicator_code": "NI 9",
            "description": "x",
            "owner": "y",
            "due": "2009-06-30",
        },
        expect=404,
    )


def test_the_deadline_check_records_passed_deadlines_once(api: Api) -> None:
    setup(api)
    api.post(
        f"{P}/rounds",
        {
            "id": "R9",
            "period_end": "2009-03-31",
            "requested": "2009-03-31",
            "deadline": "2099-04-30",
        },
    )
    returns = api.system.returns
    returns.today = lambda: date(2099, 5, 1)
    assert returns.mark_deadlines(Metadata(actor="test")) == ["R9"]
    assert returns.mark_deadlines(Metadata(actor="test")) == []
    flags = [f["code"] for f in framework(api)["NI 52"]["flags"]]
    assert "MISSING_RETURN" in flags


def test_assessments_can_be_paged(api: Api) -> None:
    setup(api)
    api.post(f"{P}/indicators", indicator("NI 60"))
    codes = [a["indicator_code"] for a in api.get(f"{P}/assessments")]
    assert codes == ["NI 50", "NI 52", "NI 60"]
    first = api.get(f"{P}/assessments?limit=2")
    rest = api.get(f"{P}/assessments?limit=2&after={first[-1]['indicator_code']}")
    assert [a["indicator_code"] for a in first + rest] == codes
    api.get(f"{P}/assessments?limit=0", expect=422)
