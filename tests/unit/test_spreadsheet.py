"""The framework as a spreadsheet: rows are parsed, checked and planned purely."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.indicators.domain import Indicator
from services.indicators.spreadsheet import (
    COLUMNS,
    Plan,
    RowError,
    cells_of,
    parse_milestones,
    plan_import,
)

NI50 = Indicator(
    code="NI 50",
    title="Emotional health of children",
    outcome="Be healthy",
    polarity="higher_is_better",
    unit="percent",
    frequency="annual",
    laa=False,
    measurable=True,
    lead_organisation="Primary Care Trust",
    named_lead={"name": "Dana Wright", "email": "dana@example.org"},
    tolerance=2.0,
    baseline={"value": 60.0, "period_end": "2008-03-31"},
    target={"value": 70.0, "period_end": "2011-03-31", "reason": "agreed"},
    milestones=[
        {"value": 62.5, "period_end": "2009-03-31"},
        {"value": 65.0, "period_end": "2010-03-31"},
    ],
    version=5,
)
RETIRED = Indicator(
    code="NI 199",
    title="Play",
    outcome="Enjoy and achieve",
    polarity="higher_is_better",
    unit="score",
    frequency="annual",
    laa=False,
    measurable=True,
    retired=True,
    version=2,
)
CURRENT = {i.code: i for i in (NI50, RETIRED)}


def row(code: str = "NI 60", **cells: str) -> dict[str, str]:
    """A row of a new indicator unless cells say otherwise."""
    if code != "NI 50" and "title" not in cells:
        cells = {"title": f"Indicator {code}", "polarity": "higher_is_better", **cells}
    return {"code": code, **cells}


def plan(*rows: dict[str, str], current: Any = None) -> Plan:
    return plan_import(list(rows), CURRENT if current is None else current)


def errors(*rows: dict[str, str]) -> list[tuple[int, str | None]]:
    return [(e.row, e.column) for e in plan(*rows).errors]


def events(p: Plan) -> list[str]:
    return [e.type for c in p.changes for e in c.events]


# Each kind of error, with its row number (the header is row 1) -----------------


def base(value: str = "", day: str = "") -> dict[str, str]:
    """Baseline cells (only those given)."""
    cells = {"baseline_value": value, "baseline_period_end": day}
    return {k: v for k, v in cells.items() if v}


def lead(name: str = "", email: str = "") -> dict[str, str]:
    """Named lead cells (only those given)."""
    cells = {"named_lead_name": name, "named_lead_email": email}
    return {k: v for k, v in cells.items() if v}


BAD_CELLS = [
    ({"polarity": "sideways"}, "polarity", "must be one of higher_is_better"),
    ({"frequency": "fortnightly"}, "frequency", "must be one of annual"),
    ({"laa": "maybe"}, "laa", "must be yes or no"),
    ({"measurable": "yep"}, "measurable", "must be yes or no"),
    ({"retired": "2"}, "retired", "must be yes or no"),
    ({"tolerance": "1,5"}, "tolerance", "must be a number"),
    ({"tolerance": "nan"}, "tolerance", "finite"),
    ({"tolerance": "-1"}, "tolerance", "must not be negative"),
    (base("abc", "2008-03-31"), "baseline_value", "must be a number"),
    (base("1", "2008/31/03"), "baseline_period_end", "31/03/2009 or 2009-03-31"),
    (base("1", "03/31/2008"), "baseline_period_end", "not a real date"),
    (base("1", "31/03/08"), "baseline_period_end", "31/03/2009 or 2009-03-31"),
    (base("1", "2008-02-30"), "baseline_period_end", "not a real date"),
    (base("50"), "baseline_period_end", "a value and a date"),
    (base(day="2008-03-31"), "baseline_value", "a value and a date"),
    ({"target_reason": "agreed"}, "target_value", "needs a value"),
    ({"target_period_end": "2011-03-31"}, "target_value", "needs a value"),
    (
        {"target_value": "1", "target_period_end": "2011-13-31"},
        "target_period_end",
        "not a real date",
    ),
    (
        {**base("50", "2010-03-31"), "target_value": "60"}
        | {"target_period_end": "2009-03-31"},
        "target_period_end",
        "must be after the baseline",
    ),
    ({"milestones": "2009-03-31:62"}, "milestones", "date=value"),
    ({"milestones": "2009-03-31=lots"}, "milestones", "must be a number"),
    ({"milestones": "2009-03-31=1; 2009-03-31=2"}, "milestones", "distinct"),
    (lead(email="x@example.org"), "named_lead_name", "needs a name"),
    (lead("Sam", "sam"), "named_lead_email", "email address"),
    ({"title": "x" * 301}, "title", "at most 300 characters"),
    ({"unit": "x" * 201}, "unit", "at most 200 characters"),
    ({"lead_organisation": "x" * 201}, "lead_organisation", "at most 200"),
]


@pytest.mark.parametrize(("cells", "column", "words"), BAD_CELLS)
def test_a_bad_cell_is_an_error_of_its_row_and_column(
    cells: dict[str, str], column: str | None, words: str
) -> None:
    p = plan(row("NI 60"), row("NI 61"), row("NI 62", **cells))
    assert [(e.row, e.column) for e in p.errors] == [(4, column)]
    assert words in p.errors[0].message
    assert [c.code for c in p.changes] == ["NI 60", "NI 61"]


def test_a_row_reports_every_bad_cell_it_has() -> None:
    bad = row("NI 60", polarity="upward", laa="maybe", tolerance="lots")
    assert errors(row("NI 61"), bad) == [(3, "polarity"), (3, "laa"), (3, "tolerance")]


def test_a_code_twice_in_the_file_is_an_error_on_the_second_row() -> None:
    p = plan(row("NI 60"), row("NI 61"), row("NI 60"))
    assert [str(e) for e in p.errors] == [
        "row 4, code: 'NI 60' is also on row 2; give each indicator one row"
    ]


def test_a_row_needs_a_code_that_keeps_the_code_rule() -> None:
    assert errors(row("NI 60"), {"title": "No code"}, row("NI*1")) == [
        (3, "code"),
        (4, "code"),
    ]


def test_a_new_indicator_needs_a_title_and_a_polarity() -> None:
    p = plan({"code": "NI 70", "polarity": "lower_is_better"}, {"code": "NI 71"})
    assert [str(e) for e in p.errors] == [
        "row 2, title: a new indicator needs title",
        "row 3, title: a new indicator needs title and polarity",
    ]


def test_an_existing_indicator_needs_only_its_code() -> None:
    p = plan({"code": "NI 50"})
    assert not p.errors
    assert p.changes[0].kind == "unchanged"


def test_unknown_or_missing_columns_are_errors_of_row_1() -> None:
    p = plan({"code": "NI 50", "titel": "Typo", "Notes": ""})
    assert [(e.row, e.column) for e in p.errors] == [(1, "Notes"), (1, "titel")]
    assert errors({"title": "No code column"}) == [(1, "code")]


def test_a_cell_under_no_column_is_an_error() -> None:
    assert errors(row("NI 60"), {**row("NI 61"), "": "stray"}) == [(3, None)]


def test_blank_rows_are_skipped_but_still_counted() -> None:
    blank = dict.fromkeys(COLUMNS, "")
    p = plan(row("NI 60"), blank, row("NI 61", polarity="upward"))
    assert [(e.row, e.column) for e in p.errors] == [(4, "polarity")]
    assert [c.row for c in p.changes] == [2]


def test_a_retired_indicator_cannot_be_changed_or_brought_back() -> None:
    changed = {"code": "NI 199", "title": "Play and leisure"}
    back = {"code": "NI 199", "retired": "false"}
    (changing,) = plan(changed).errors
    (bringing_back,) = plan(back).errors
    assert (changing.row, changing.column) == (2, None)
    assert "retired and cannot be changed" in changing.message
    assert (bringing_back.row, bringing_back.column) == (2, "retired")
    assert "cannot be brought back" in bringing_back.message


def test_errors_come_in_row_order() -> None:
    p = plan(
        row("NI 60", polarity="upward"),
        {"code": "NI 199", "title": "New"},
        row("NI 62", laa="?"),
    )
    assert [e.row for e in p.errors] == [2, 3, 4]


# What a good row does -------------------------------------------------------------


def test_a_new_code_registers_with_the_api_defaults() -> None:
    p = plan(row("NI 60"))
    (change,) = p.changes
    assert change.kind == "register"
    assert change.version == 0
    (event,) = change.events
    assert event.type == "IndicatorRegistered"
    assert event.data == {
        "code": "NI 60",
        "title": "Indicator NI 60",
        "outcome": "",
        "polarity": "higher_is_better",
        "unit": "number",
        "frequency": "annual",
        "laa": False,
        "measurable": True,
        "lead_organisation": None,
        "named_lead": None,
        "tolerance": None,
    }


def test_a_new_indicator_can_come_with_its_plan_and_retirement() -> None:
    new = row(
        "NI 60",
        baseline_value="50",
        baseline_period_end="2008-03-31",
        target_value="70",
        milestones="2010-03-31=65; 2009-03-31=60",
        retired="yes",
    )
    p = plan(new)
    assert events(p) == [
        "IndicatorRegistered",
        "BaselineRecorded",
        "TargetSet",
        "MilestonesSet",
        "IndicatorRetired",
    ]
    target = p.changes[0].events[2].data
    assert (target["period_end"], target["reason"]) == ("2011-03-31", None)


def test_an_amendment_records_only_the_fields_that_change() -> None:
    p = plan(
        {
            "code": "NI 50",
            "title": NI50.title,
            "polarity": "lower_is_better",
            "unit": "percent",
            "tolerance": "2.0",
            "laa": "Yes",
        }
    )
    (change,) = p.changes
    assert change.kind == "amend"
    assert change.version == NI50.version
    (event,) = change.events
    assert event.type == "IndicatorAmended"
    assert event.data["changes"] == {"polarity": "lower_is_better", "laa": True}
    assert change.diff == (
        ("polarity", "higher_is_better", "lower_is_better"),
        ("laa", "false", "true"),
    )


def test_empty_cells_leave_fields_as_they_are() -> None:
    cells = dict.fromkeys(COLUMNS, "") | {"code": "NI 50"}
    assert plan(cells).changes[0].events == ()


def test_the_named_lead_is_set_as_a_whole() -> None:
    p = plan({"code": "NI 50", "named_lead_name": "Sam Reed"})
    (event,) = p.changes[0].events
    assert event.type == "NamedLeadAssigned"
    assert event.data["named_lead"] == {"name": "Sam Reed", "email": None}


def test_the_lead_organisation_changes_alone() -> None:
    p = plan({"code": "NI 50", "lead_organisation": "Council"})
    assert events(p) == ["LeadOrganisationAssigned"]


def test_baseline_target_and_milestones_change_only_when_different() -> None:
    same = {
        "code": "NI 50",
        "baseline_value": "60",
        "baseline_period_end": "2008-03-31",
        "target_value": "70.0",
        "target_period_end": "2011-03-31",
        "target_reason": "agreed",
        "milestones": "2010-03-31=65; 2009-03-31=62.5",
    }
    assert events(plan(same)) == []
    moved = same | {"baseline_value": "61", "target_reason": "", "milestones": ""}
    assert events(plan(moved)) == ["BaselineRecorded", "TargetSet"]


def test_a_target_is_checked_against_the_baseline_the_row_sets() -> None:
    p = plan(
        {
            "code": "NI 50",
            "baseline_value": "60",
            "baseline_period_end": "2011-03-31",
            "target_value": "70",
        }
    )
    assert "must be after the baseline" in p.errors[0].message


def test_retiring_follows_the_other_changes() -> None:
    p = plan({"code": "NI 50", "title": "Last title", "retired": "TRUE"})
    assert events(p) == ["IndicatorAmended", "IndicatorRetired"]


def test_a_retired_indicator_left_as_it_is_is_no_error() -> None:
    p = plan(cells_of(RETIRED))
    assert not p.errors
    assert p.changes[0].kind == "unchanged"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("TRUE", True),
        ("Yes", True),
        ("1", True),
        ("false", False),
        ("No", False),
        ("0", False),
        (" FALSE ", False),
    ],
)
def test_booleans_read_true_false_yes_no_1_0_in_any_case(
    text: str, value: bool
) -> None:
    (event,) = plan(row("NI 60", laa=text)).changes[0].events
    assert event.data["laa"] is value


# Milestones text and the exported row ------------------------------------------


def test_milestones_read_as_date_equals_value_separated_by_semicolons() -> None:
    assert parse_milestones("2009-03-31=62.5; 2010-03-31 = 65 ;") == [
        (62.5, date(2009, 3, 31)),
        (65.0, date(2010, 3, 31)),
    ]


def test_an_indicator_is_written_in_the_text_an_import_reads() -> None:
    cells = cells_of(NI50)
    assert list(cells) == list(COLUMNS)
    assert cells["milestones"] == "2009-03-31=62.5; 2010-03-31=65"
    assert cells["named_lead_email"] == "dana@example.org"
    assert (cells["baseline_value"], cells["tolerance"]) == ("60", "2")
    assert (cells["laa"], cells["retired"]) == ("false", "false")


@pytest.mark.parametrize("value", [0.1, 1 / 3, -2.5e-7, 123456789.125, 1e14])
def test_exported_numbers_read_back_exactly(value: float) -> None:
    odd = Indicator(**{**NI50.to_dict(), "tolerance": abs(value), "version": 5})
    odd = Indicator(
        **{**odd.to_dict(), "baseline": {"value": value, "period_end": "2008-03-31"}}
    )
    assert plan(cells_of(odd), current={odd.code: odd}).changes[0].events == ()


def test_reading_back_every_written_row_changes_nothing() -> None:
    p = plan(*(cells_of(i) for i in CURRENT.values()))
    assert p.errors == []
    assert [c.kind for c in p.changes] == ["unchanged", "unchanged"]


def test_a_row_error_reads_as_row_column_and_reason() -> None:
    assert str(RowError(3, "laa", "must be true")) == "row 3, laa: must be true"
    assert str(RowError(3, None, "bad")) == "row 3: bad"
