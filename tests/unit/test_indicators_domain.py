"""The indicator aggregate: given events, when a command, then events (or an error)."""

from __future__ import annotations

from datetime import date

import pytest

from services.indicators import domain
from shared.errors import Conflict, Invalid, NotFound

REGISTER = {
    "code": "NI 50",
    "title": "Emotional health of children",
    "outcome": "Be healthy",
    "polarity": "higher_is_better",
    "unit": "percent",
    "frequency": "annual",
    "laa": False,
    "measurable": True,
    "lead_organisation": None,
    "named_lead": None,
    "tolerance": None,
}


def given(*steps: tuple[str, dict]) -> domain.Indicator | None:
    state = None
    for version, (event_type, data) in enumerate(steps, start=1):
        state = domain.apply(state, event_type, data, version)
    return state


def registered(**changes: object) -> domain.Indicator | None:
    return given(("IndicatorRegistered", {**REGISTER, **changes}))


def test_registering_a_new_code_records_the_definition() -> None:
    [event] = domain.decide_register(None, REGISTER)
    assert event.type == "IndicatorRegistered" and event.schema_version == 2
    assert event.data["code"] == "NI 50"


def test_a_code_can_be_registered_once() -> None:
    with pytest.raises(Conflict):
        domain.decide_register(registered(), REGISTER)


@pytest.mark.parametrize("code", ["", "x" * 33, "NI<50>", "NI\n50"])
def test_codes_follow_the_rule(code: str) -> None:
    with pytest.raises(Invalid) as caught:
        domain.decide_register(None, {**REGISTER, "code": code})
    assert caught.value.field == "code"


def test_amending_records_only_what_changes() -> None:
    state = registered()
    assert domain.decide_amend(state, "NI 50", {"title": REGISTER["title"]}, None) == []
    [event] = domain.decide_amend(
        state, "NI 50", {"unit": "number", "title": REGISTER["title"]}, "why"
    )
    assert event.data == {
        "code": "NI 50",
        "changes": {"unit": "number"},
        "reason": "why",
    }


def test_commands_on_unknown_or_retired_indicators_fail() -> None:
    with pytest.raises(NotFound):
        domain.decide_baseline(None, "NI 50", 1.0, date(2008, 3, 31))
    retired = given(
        ("IndicatorRegistered", REGISTER), ("IndicatorRetired", {"code": "NI 50"})
    )
    with pytest.raises(Invalid):
        domain.decide_target(retired, "NI 50", 70.0, None, None)


def test_a_target_defaults_to_the_plan_end_and_must_follow_the_baseline() -> None:
    state = given(
        ("IndicatorRegistered", REGISTER),
        (
            "BaselineRecorded",
            {"code": "NI 50", "value": 60.0, "period_end": "2008-03-31"},
        ),
    )
    [event] = domain.decide_target(state, "NI 50", 70.0, None, "agreed")
    assert event.data["period_end"] == "2011-03-31" and event.data["reason"] == "agreed"
    with pytest.raises(Invalid) as caught:
        domain.decide_target(state, "NI 50", 70.0, date(2008, 3, 31), None)
    assert caught.value.field == "period_end"


def test_milestones_are_sorted_and_distinct() -> None:
    state = registered()
    [event] = domain.decide_milestones(
        state, "NI 50", [(65.0, date(2010, 3, 31)), (62.0, date(2009, 3, 31))]
    )
    assert [m["period_end"] for m in event.data["milestones"]] == [
        "2009-03-31",
        "2010-03-31",
    ]
    with pytest.raises(Invalid):
        domain.decide_milestones(state, "NI 50", [(1.0, date(2009, 3, 31))] * 2)


def test_lead_changes_only_what_differs() -> None:
    state = registered(lead_organisation="PCT")
    events = domain.decide_lead(
        state,
        "NI 50",
        {"lead_organisation": "PCT", "named_lead": {"name": "Dana", "email": None}},
    )
    assert [e.type for e in events] == ["NamedLeadAssigned"]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 1e16, True, "7"])
def test_numbers_must_be_finite_and_sensible(value: object) -> None:
    with pytest.raises(Invalid):
        domain.check_number(value, "value")  # type: ignore[arg-type]


def test_the_state_follows_every_event_with_its_version() -> None:
    state = given(
        ("IndicatorRegistered", REGISTER),
        ("LeadOrganisationAssigned", {"code": "NI 50", "lead_organisation": "PCT"}),
        (
            "TargetSet",
            {"code": "NI 50", "value": 70.0, "period_end": "2011-03-31", "reason": "r"},
        ),
        ("IndicatorAmended", {"code": "NI 50", "changes": {"measurable": False}}),
    )
    assert state is not None
    assert (state.lead_organisation, state.measurable, state.version) == (
        "PCT",
        False,
        4,
    )
    assert state.target == {"value": 70.0, "period_end": "2011-03-31", "reason": "r"}
