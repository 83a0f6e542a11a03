"""Reading comparator files as LG Inform and LAIT export them."""

from __future__ import annotations

from datetime import date

import pytest

from services.reporting.comparator_file import (
    area_type_of,
    field_of,
    parse_comparators,
    period_end,
)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2008/09", date(2009, 3, 31)),
        ("2008-09", date(2009, 3, 31)),
        ("2008/2009", date(2009, 3, 31)),
        ("1999/00", date(2000, 3, 31)),
        ("2008", date(2008, 12, 31)),
        ("31/03/2009", date(2009, 3, 31)),
        ("2009-06-30", date(2009, 6, 30)),
    ],
)
def test_periods_are_read_as_councils_write_them(text: str, day: date) -> None:
    assert period_end(text) == day


@pytest.mark.parametrize("text", ["2008/10", "Q1", "", "2008-13-01"])
def test_a_period_that_means_nothing_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        period_end(text)


def test_column_names_have_synonyms() -> None:
    assert field_of("ONS Code") == "area_code"
    assert field_of("LA name") == "area_name"
    assert field_of("Time period") == "period"
    assert field_of("Data value") == "value"
    assert field_of("Indicator code") == "indicator_code"
    assert field_of("Comparator type") == "area_type"
    assert field_of("Something else") is None


def test_area_types_come_from_the_file_or_the_codes() -> None:
    assert area_type_of("Statistical neighbours", "E1", "") == "statistical_neighbour"
    assert area_type_of("", "E92000001", "") == "england"
    assert area_type_of("", "E12000004", "") == "region"
    assert area_type_of("", "E10000009", "Kent") == "other_council"
    assert area_type_of("planet", "E1", "") is None


def test_a_long_file_is_read_and_bad_cells_name_their_rows() -> None:
    grid = [
        ["Title"],
        ["Area code", "Area name", "Indicator", "Year", "Value"],
        ["E92000001", "England", "NI 50", "2008/09", "1,234.5"],
        ["E10000001", "One", "NI 50", "2008/09", "12%"],
        ["", "", "", "", ""],
        ["E10000002", "Two", "NI 50", "2008/09", "c"],
        ["E10000003", "Three", "NI 50", "2008/09", "lots"],
        ["E10000001", "One", "NI 50", "2008/09", "13"],
    ]
    table = parse_comparators(grid)
    assert [r["value"] for r in table.rows] == [1234.5, 12.0]
    assert [(e.row, e.column) for e in table.errors] == [(7, "value"), (8, "area_code")]
    assert "also in row 4" in table.errors[1].message
    assert any("rows 6" in n for n in table.notes)


def test_a_file_without_an_indicator_needs_one_named() -> None:
    grid = [["Area code", "Period", "Value"], ["E92000001", "2009", "1"]]
    assert parse_comparators(grid).errors[0].column == "indicator_code"
    table = parse_comparators(grid, "NI 50")
    assert table.rows[0]["indicator_code"] == "NI 50"
    assert table.rows[0]["period_end"] == "2009-12-31"


def test_no_header_is_an_error_not_a_crash() -> None:
    assert parse_comparators([["just", "words"]]).errors[0].column == "header"
    assert parse_comparators([]).errors[0].column == "header"
