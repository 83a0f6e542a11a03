"""The return sheet's pure logic: rows, warnings, reading posted rows, UK dates,
and which choices the Executive is offered."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.web.challenge_board import choices, lead_view
from services.web.forms import parse_day
from services.web.return_sheet import (
    draft_values,
    read_sheet,
    sheet_rows,
    trajectory_value,
    warnings_for,
)

PERIOD = date(2010, 3, 31)


def indicator(code: str, unit: str = "percent", **more: Any) -> dict[str, Any]:
    return {
        "code": code,
        "title": f"Indicator {code}",
        "unit": unit,
        "polarity": "higher_is_better",
        "baseline": {"value": 60.0, "period_end": "2008-03-31"},
        "target": {"value": 70.0, "period_end": "2011-03-31"},
        "milestones": [],
        "latest_result": {"value": 62.0, "period_end": "2009-03-31"},
        **more,
    }


@pytest.mark.parametrize(
    ("typed", "iso"),
    [
        ("31/03/2009", "2009-03-31"),
        ("1/4/2009", "2009-04-01"),
        ("31.03.2009", "2009-03-31"),
        ("31-03-2009", "2009-03-31"),
        (" 30 / 09 / 2010 ", "2010-09-30"),
        ("2009-03-31", "2009-03-31"),  # ISO passes through
        ("31/02/2009", "31/02/2009"),  # no such day: left for the schema to refuse
        ("03/31/2009", "03/31/2009"),  # American order is no date here
        ("soon", "soon"),
    ],
)
def test_british_dates_become_iso(typed: str, iso: str) -> None:
    assert parse_day(typed) == iso


@pytest.mark.parametrize(
    ("value", "unit", "previous", "expected"),
    [
        (64.0, "percent", 62.0, []),
        (101.0, "percent", 95.0, ["A percentage is normally between 0 and 100"]),
        (-1.0, "percent", None, ["A percentage is normally between 0 and 100"]),
        (-3.0, "number", None, ["A count or rate cannot normally be negative"]),
        (-3.0, "rate_per_10000", None, ["A count or rate cannot normally be negative"]),
        (-3.0, "percentage_points", -2.0, []),  # a change may fall
        (621.0, "number", 62.0, ["This is more than ten times the previous result"]),
        (620.0, "number", 62.0, []),  # exactly ten times is plausible
        (6.1, "number", 62.0, ["This is less than a tenth of the previous result"]),
        (6.2, "number", 62.0, []),
        (0.0, "number", 5.0, ["This is less than a tenth of the previous result"]),
        (50.0, "number", 0.0, []),  # no ratio to a zero
    ],
)
def test_implausible_values_are_warned_about(
    value: float, unit: str, previous: float | None, expected: list[str]
) -> None:
    assert warnings_for(value, unit, previous) == expected


def test_a_percentage_far_above_its_last_result_gets_both_warnings() -> None:
    assert warnings_for(150.0, "percent", 10.0) == [
        "A percentage is normally between 0 and 100",
        "This is more than ten times the previous result",
    ]


def test_the_sheet_lists_outstanding_indicators_with_their_figures() -> None:
    later = indicator("NI 3", latest_result={"value": 65.0, "period_end": "2010-09-30"})
    rows = sheet_rows(
        [indicator("NI 1"), indicator("NI 2"), later], {"NI 1", "NI 3"}, PERIOD
    )
    assert [r["code"] for r in rows] == ["NI 1", "NI 3"]
    first = rows[0]
    assert first["previous"] == {"value": 62.0, "period_end": "2009-03-31"}
    assert first["target"]["value"] == 70.0
    # 60 + 10 * 730 / 1096 days from 31 Mar 2008 to 31 Mar 2011
    assert first["trajectory"] == pytest.approx(60 + 10 * 730 / 1095, abs=0.01)
    assert rows[1]["previous"] is None, "a result after the period is not previous"


def test_no_trajectory_without_a_baseline_or_target() -> None:
    assert trajectory_value(indicator("NI 1", target=None), PERIOD) is None
    assert trajectory_value(indicator("NI 1", baseline=None), PERIOD) is None


def test_milestones_bend_the_trajectory() -> None:
    bent = indicator("NI 1", milestones=[{"value": 69.0, "period_end": "2010-03-31"}])
    assert trajectory_value(bent, PERIOD) == pytest.approx(69.0)


ROWS = {
    code: {"code": code, "unit": unit, "previous": {"value": 62.0}}
    for code, unit in (("NI 1", "percent"), ("NI 2", "number"), ("NI 3", "score"))
}


def test_each_row_is_judged_on_its_own() -> None:
    fields = {
        "csrf": "x",
        "row-0-code": "NI 1",
        "row-0-value": "64.5",
        "row-0-prediction": "on_target",
        "row-1-code": "NI 2",
        "row-1-value": "many",
        "row-2-code": "NI 3",
        "row-2-value": "",
        "row-2-commentary": "Waiting for the survey",
        "row-3-code": "NI 9",
        "row-3-value": "12",
    }
    judged, strays = read_sheet(fields, ROWS, PERIOD)
    by_code = {r.code: r for r in judged}
    good = by_code["NI 1"]
    assert good.ready and good.command is not None
    assert good.command["value"] == 64.5
    assert good.command["period_end"] == PERIOD
    assert good.command["prediction"] == "on_target"
    assert by_code["NI 2"].errors == {
        "value": "Enter the result as a number, for example 63.2"
    }
    assert not by_code["NI 2"].ready
    blank = by_code["NI 3"]
    assert blank.command is None and not blank.errors, "no value: ignored"
    assert strays == ["NI 9: not recorded, it is not outstanding for you at this round"]
    assert draft_values(judged) == {
        "NI 1": {"value": "64.5", "prediction": "on_target", "commentary": ""},
        "NI 2": {"value": "many", "prediction": "", "commentary": ""},
        "NI 3": {"value": "", "prediction": "", "commentary": "Waiting for the survey"},
    }


def test_a_warned_row_waits_for_the_leads_word() -> None:
    fields = {"row-0-code": "NI 2", "row-0-value": "-4"}
    (row,), _ = read_sheet(fields, ROWS, PERIOD)
    assert row.warnings and row.command is not None and not row.ready
    (confirmed,), _ = read_sheet({**fields, "row-0-confirm": "yes"}, ROWS, PERIOD)
    assert confirmed.ready


def test_bad_predictions_and_commentary_are_errors_of_their_row() -> None:
    fields = {
        "row-0-code": "NI 1",
        "row-0-value": "63",
        "row-0-prediction": "maybe",
        "row-1-code": "NI 3",
        "row-1-value": "63",
        "row-1-commentary": "x" * 10_001,
    }
    judged, _ = read_sheet(fields, ROWS, PERIOD)
    assert "prediction" in judged[0].errors
    assert "commentary" in judged[1].errors


@pytest.mark.parametrize(
    ("prediction", "computed", "offered"),
    [
        ("on_target", "RED", ["upheld", "lead_view_accepted"]),
        ("off_target", "GREEN", ["upheld", "lead_view_accepted"]),
        ("on_target", "GREEN", ["upheld"]),  # the lead agrees: nothing else to accept
        (None, "RED", ["upheld"]),  # no prediction: no view to accept
        ("on_target", "AMBER", ["upheld", "lead_view_accepted"]),
    ],
)
def test_the_executive_is_offered_choices_that_fit(
    prediction: str | None, computed: str, offered: list[str]
) -> None:
    assessment = {"computed_status": computed, "latest": {"prediction": prediction}}
    assert choices(assessment) == offered


def test_no_lead_view_without_a_return() -> None:
    assert lead_view({"computed_status": "RED", "latest": None}) is None
