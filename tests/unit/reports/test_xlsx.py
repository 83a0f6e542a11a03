"""The workbooks: a sheet per section, header rows, frozen panes, status as text."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from openpyxl import load_workbook

from .conftest import Rendered
from .snapshots import AREAS_OF_CONCERN


def workbook(rendered: Rendered, kind: str) -> Any:
    return load_workbook(io.BytesIO(rendered(kind, "xlsx")))


def rows(sheet: Any) -> list[tuple[Any, ...]]:
    return list(sheet.iter_rows(values_only=True))


def test_a_sheet_per_section(rendered: Rendered) -> None:
    assert workbook(rendered, "board").sheetnames == [
        "Summary",
        "About",
        "Areas of concern",
        "Very good performance",
        "Significantly improved",
        "Challenge outcomes",
        "Actions",
        "Indicators",
        "Breakdowns",
        "Results",
    ]
    assert workbook(rendered, "executive").sheetnames == [
        "Summary",
        "About",
        "Indicators",
        "Flagged for challenge",
        "Breakdowns",
        "Results",
    ]


def test_every_sheet_has_a_bold_header_row_frozen_and_filtered(
    rendered: Rendered,
) -> None:
    for kind in ("executive", "board"):
        for sheet in workbook(rendered, kind):
            assert sheet.freeze_panes in ("A2", "B2"), sheet.title
            assert all(cell.font.bold for cell in sheet[1] if cell.value), sheet.title
            assert sheet.auto_filter.ref.startswith("A1:"), sheet.title


def test_statuses_are_words_and_concerns_worst_first(rendered: Rendered) -> None:
    book = workbook(rendered, "board")
    summary = rows(book["Summary"])
    assert summary[1:] == [
        ("On target", 7),
        ("Amber: close to target", 1),
        ("Off target", 7),
        ("Not assessed", 2),
        ("All indicators", 17),
    ]
    assert book["Summary"]["A4"].fill.fgColor.rgb.endswith("B10E1E")
    concerns = rows(book["Areas of concern"])
    assert [r[1] for r in concerns[1:]] == AREAS_OF_CONCERN
    assert [r[0] for r in concerns[1:]] == list(range(1, 8))
    indicators = rows(book["Indicators"])
    header = indicators[0]
    shown = header.index("Status shown")
    assert {r[shown] for r in indicators[1:]} == {
        "On target",
        "Off target",
        "Amber: close to target",
        "Not assessed",
    }


def test_challenge_outcomes_and_actions(rendered: Rendered) -> None:
    book = workbook(rendered, "board")
    outcomes = {r[0]: r for r in rows(book["Challenge outcomes"])[1:]}
    assert outcomes["NI 65"][3] == "Off target"
    assert outcomes["NI 65"][5] == "Lead's view accepted"
    assert outcomes["NI 65"][8] == "On target"
    assert outcomes["NI 55"][5] == "Upheld: the computed status stands"
    actions = rows(book["Actions"])
    assert [(r[0], r[7]) for r in actions[1:]] == [
        ("A-2009H1-01", "Overdue"),
        ("A-2009H1-02", "Open"),
        ("A-2009H2-01", "Open"),
        ("A-2009H1-03", "Completed"),
    ]
    assert actions[1][6] == datetime(2010, 1, 31)


def test_numbers_stay_numbers_and_small_counts_are_c(rendered: Rendered) -> None:
    book = workbook(rendered, "board")
    breakdowns = {(r[0], r[4]): r for r in rows(book["Breakdowns"])[1:]}
    assert breakdowns["NI 48", "Cyclists"][5:] == (
        "c",
        "c",
        "Not shown (small numbers)",
    )
    assert breakdowns["NI 48", "Pedestrians"][5:] == (14, -13, "13 below overall")
    assert breakdowns["NI 117", "Looked after"][6] == 15.3
    results = [r for r in rows(book["Results"])[1:] if r[0] == "LOCAL 02"]
    assert [r[3] for r in results] == [8, 7, "c"]
    indicators = {r[0]: r for r in rows(book["Indicators"])[1:]}
    header = rows(book["Indicators"])[0]
    assert indicators["LOCAL 02"][header.index("Latest result")] == "c"
    assert indicators["NI 55"][header.index("Latest result")] == 10.1


def test_workbook_properties_come_from_the_snapshot(rendered: Rendered) -> None:
    props = workbook(rendered, "executive").properties
    assert props.created == datetime(2010, 5, 14)
    assert props.modified == datetime(2010, 5, 14)
    assert props.creator == "Northshire County Council"
    assert props.lastModifiedBy == "pmf"
