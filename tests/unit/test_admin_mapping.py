"""The pure rules of the admin pages: guessing and checking a spreadsheet's
column mapping, and when a round's scope is left to the server."""

from __future__ import annotations

from services.web.admin_import import (
    Draft,
    check_mapping,
    guess_mapping,
    mapped_rows,
    safe_name,
)
from services.web.admin_rounds import round_body


def test_columns_named_like_ours_are_matched_and_others_remembered() -> None:
    headers = ["Code", "named lead e-mail", "Measure", "Notes"]
    guessed = guess_mapping(headers, {"measure": "title", "Measure": "title"})
    assert guessed == {
        "Code": "code",
        "named lead e-mail": "named_lead_email",  # case, spaces, punctuation aside
        "Measure": "title",
        "Notes": "",
    }
    assert guess_mapping(["Named_Lead Email"], {})["Named_Lead Email"] == (
        "named_lead_email"
    )
    assert guess_mapping(["x"], {"x": "not ours"}) == {"x": ""}


def test_a_mapping_needs_a_code_and_one_source_per_column() -> None:
    headers = ["ref", "name", "also name"]
    ok = check_mapping(headers, {"ref": "code", "name": "title", "also name": ""})
    assert ok == {}
    twice = check_mapping(
        headers, {"ref": "code", "name": "title", "also name": "title"}
    )
    assert list(twice) == ["map-2"] and "'name'" in twice["map-2"]
    assert "indicator code" in check_mapping(headers, {"name": "title"})["map-0"]
    assert (
        "choose one of the list" in check_mapping(headers, {"ref": "nonsense"})["map-0"]
    )


def test_mapped_rows_keep_row_order_and_stray_cells() -> None:
    draft = Draft("t", "plan.csv", 0.0, ["ref", "notes"])
    draft.rows = [
        {"ref": "NI 50", "notes": "x"},
        {"ref": "", "notes": ""},
        {"ref": "NI 51", "notes": "", "": "stray"},
    ]
    header, rows = mapped_rows(draft, {"ref": "code", "notes": ""})
    assert header == ["code", ""]
    assert rows == [["NI 50", ""], ["", ""], ["NI 51", "stray"]]


def test_a_round_leaves_the_scope_to_the_server_when_the_default_is_ticked() -> None:
    fields = {"id": "2010-H1", "period_end": "2010-03-31"}
    assert round_body(fields, ["NI 51", "NI 50"])["scope"] == ["NI 50", "NI 51"]
    assert round_body(fields, ["NI 50"])["scope"] == ["NI 50"]


def test_uploaded_file_names_are_kept_plain() -> None:
    assert safe_name("C:\\Users\\pat\\CYPP plan.xlsx") == "CYPP plan.xlsx"
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("<b>plan</b>.csv") == "b_.csv"
    assert safe_name(None) == "upload"
