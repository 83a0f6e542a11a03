"""The Word papers: real headings, captioned tables with header rows, alt text."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from docx import Document
from docx.oxml.ns import qn

from .conftest import Rendered
from .reading import codes_in_order, docx_text
from .snapshots import AREAS_OF_CONCERN


def table_after(paragraphs: list[tuple[str, str]], tables: list, caption: str) -> list:
    """The table whose caption is `caption` (captions and tables come in order)."""
    captions = [text for style, text in paragraphs if style == "Caption"]
    return tables[captions.index(caption)]


def test_the_board_paper_has_a_title_and_real_headings(rendered: Rendered) -> None:
    paragraphs, _ = docx_text(rendered("board", "docx"))
    headings = [
        (style, text)
        for style, text in paragraphs
        if style.startswith(("Heading", "Title"))
    ]
    assert headings[0] == (
        "Title",
        "Children and Young People's Plan 2008-2011: performance at round 2009-H2",
    )
    assert ("Heading 1", "Covering paper") in headings
    assert ("Heading 2", "1. Purpose of the report") in headings
    assert ("Heading 2", "2. Recommendations") in headings
    assert ("Heading 2", "3. Summary") in headings
    assert ("Heading 2", "4. Areas of concern") in headings
    assert ("Heading 2", "7. The Executive's challenge outcomes") in headings
    assert ("Heading 2", "8. Corrective actions due and overdue") in headings
    assert ("Heading 1", "Appendix A: the framework by outcome") in headings
    assert ("Heading 1", "Appendix B: equalities and commentary in full") in headings
    assert ("Heading 2", "Groups of children behind all children") in headings
    # indicator detail is the Executive paper's
    assert not any(text.startswith("NI 48") for _, text in headings)
    executive = docx_text(rendered("executive", "docx"))[0]
    assert (
        "Heading 2",
        "NI 48: Children killed or seriously injured in road traffic accidents",
    ) in executive


def test_the_board_tables_say_what_the_board_reads(rendered: Rendered) -> None:
    paragraphs, tables = docx_text(rendered("board", "docx"))
    counts = table_after(paragraphs, tables, "Indicators by status (17 in all)")
    assert counts == [
        ["Status", "Indicators"],
        ["On target", "7"],
        ["Amber: close to target", "1"],
        ["Off target", "7"],
        ["Not assessed", "2"],
    ]
    concerns = table_after(
        paragraphs, tables, "Off target after the Executive's decisions, worst first"
    )
    listed = " ".join(row[0] for row in concerns[1:])
    assert codes_in_order(listed, AREAS_OF_CONCERN) == AREAS_OF_CONCERN
    outcomes = table_after(
        paragraphs,
        tables,
        "Flagged predictions: the computed status, the Executive's decision and the "
        "status shown",
    )
    sibling = next(row for row in outcomes if row[0].startswith("NI 65"))
    assert sibling[2:] == [
        "Off target",
        "On target",
        "Lead's view accepted (the Executive, 27 April 2010)",
        "On target",
        "Sibling groups explain the rise; the Executive accepts the lead's view.",
    ]
    actions = table_after(
        paragraphs, tables, "Open corrective actions, overdue first, then by due date"
    )
    assert [row[4] for row in actions[1:]] == ["Overdue", "Open", "Open"]


def test_suppressed_counts_and_gaps_in_word(rendered: Rendered) -> None:
    paragraphs, tables = docx_text(rendered("executive", "docx"))
    casualties = table_after(
        paragraphs,
        tables,
        "NI 48 equalities: latest result by group, against the overall figure of 27",
    )
    assert casualties[1:] == [
        ["Car passengers", "9", "-18", "18 below overall"],
        ["Cyclists", "c", "c", "Not shown (small numbers)"],
        ["Pedestrians", "14", "-13", "13 below overall"],
    ]
    text = "\n".join(t for _, t in paragraphs)
    assert "Latest result: c (31 Mar 2010, Lead's return)" in text
    assert "Projected c at March 2011 against a target of c" in text


def test_the_executive_paper_groups_flags_in_word(rendered: Rendered) -> None:
    paragraphs, tables = docx_text(rendered("executive", "docx"))
    headings = [text for style, text in paragraphs if style == "Heading 2"]
    assert "Prediction conflicts with the assessment (3 indicators)" in headings
    conflicts = table_after(
        paragraphs, tables, "Prediction conflicts with the assessment"
    )
    assert [row[0].split(" ")[0:2] for row in conflicts[1:]] == [
        ["NI", "55"],
        ["NI", "87"],
        ["NI", "65"],
    ]
    framework = table_after(paragraphs, tables, "Be healthy: 4 indicators")
    assert framework[0][-1] == "Lead's commentary"


def test_word_structure_helps_assistive_technology(rendered: Rendered) -> None:
    document = Document(io.BytesIO(rendered("board", "docx")))
    for table in document.tables:
        first = table.rows[0]._tr
        assert first.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
        assert table._tbl.tblPr.find(qn("w:tblCaption")) is not None
    assert len(document.inline_shapes) == 0  # the charts are the Executive's
    pictures = Document(io.BytesIO(rendered("executive", "docx"))).inline_shapes
    assert len(pictures) == 17
    for picture in pictures:
        assert picture._inline.docPr.get("descr").startswith("Trend chart for ")
    props = document.core_properties
    assert props.created == datetime(2010, 5, 14, tzinfo=UTC)
    assert props.modified == datetime(2010, 5, 14, tzinfo=UTC)
    assert props.last_modified_by == "pmf"
    assert props.author == "Northshire County Council"
    assert props.language == "en-GB"
