"""The demo's Board and Executive papers checked the way a reader would: every
PDF page drawn and its words placed (no near-empty page, no words over each
other, no text across a column rule or off the sheet), the Word papers laid out
by LibreOffice and their pages read the same way, every Word section measured
(running header, page numbers, tables and pictures within the text width). And
the checker itself shown to catch the faults it is there for."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from services.demo_local import load_demo_into
from services.embedded import EmbeddedSystem
from services.reporting.reports import render
from services.reporting.reports.html import html_text
from services.reporting.reports.paper import build_paper
from services.reporting.snapshot import build_snapshot
from shared.settings import Settings

from .paper_pages import (
    page_texts,
    pdf_page_problems,
    word_as_pdf,
    word_layout_problems,
)


@pytest.fixture(scope="module")
def demo_snapshots(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, Any]]:
    """The Board and Executive snapshots of the demo's last closed round."""
    data: Path = tmp_path_factory.mktemp("demo") / "data"
    system = EmbeddedSystem(Settings(data_dir=data))
    try:
        load_demo_into(system)
        system.catch_up()
        closed = [r for r in system.returns.list_rounds() if r.get("closed")]
        last = max(closed, key=lambda r: (r["period_end"], r["id"]))
        yield {
            kind: build_snapshot(
                system.engine,
                last["id"],
                kind,
                system.settings.council_name,
                system.settings.small_number_threshold,
            )
            for kind in ("board", "executive")
        }
    finally:
        system.engine.dispose()


@pytest.mark.parametrize("kind", ["board", "executive"])
def test_every_page_of_the_demo_pdf_reads_cleanly(
    demo_snapshots: dict[str, Any], kind: str
) -> None:
    pdf = render(demo_snapshots[kind], "pdf")
    assert pdf_page_problems(pdf) == []


@pytest.mark.parametrize("kind", ["board", "executive"])
def test_every_section_of_the_demo_word_paper_fits_its_page(
    demo_snapshots: dict[str, Any], kind: str
) -> None:
    assert word_layout_problems(render(demo_snapshots[kind], "docx")) == []


@pytest.mark.parametrize("kind", ["board", "executive"])
def test_every_page_of_the_demo_word_paper_reads_cleanly(
    demo_snapshots: dict[str, Any], kind: str
) -> None:
    """The Word paper laid out as a word processor lays it out, each page read
    as the PDF's are: the Word paper has no layout engine of ours to trust."""
    printed = word_as_pdf(render(demo_snapshots[kind], "docx"))
    assert len(page_texts(printed)) > 1
    assert pdf_page_problems(printed) == []


def test_the_checker_sees_a_word_paper_with_a_page_left_near_empty() -> None:
    """The Word route through LibreOffice is read like the PDF's: a line
    stranded on a page of its own between two full pages is found."""
    from docx import Document
    from docx.enum.text import WD_BREAK

    document = Document()
    for _ in range(12):
        document.add_paragraph("A paragraph where it belongs, among others. " * 8)
    stranded = document.add_paragraph()
    stranded.add_run().add_break(WD_BREAK.PAGE)
    stranded.add_run("A line on its own.")
    stranded.add_run().add_break(WD_BREAK.PAGE)
    for _ in range(12):
        document.add_paragraph("A paragraph where it belongs, among others. " * 8)
    out = io.BytesIO()
    document.save(out)
    printed = word_as_pdf(out.getvalue())
    near_empty = [p for p in pdf_page_problems(printed) if "near empty" in p]
    assert len(near_empty) == 1
    page = int(near_empty[0].split()[1]) - 1
    assert "A line on its own." in page_texts(printed)[page]


def _board_html(snapshot: dict[str, Any]) -> str:
    return html_text(build_paper(snapshot), inline_charts=False)


def test_the_checker_sees_words_run_into_the_next_column(
    demo_snapshots: dict[str, Any],
) -> None:
    """The fault the Board paper once had: "No previous result" kept on one line
    ran out of its narrow column (direction of travel) into the challenge flags
    beside it."""
    from weasyprint import HTML

    html = _board_html(demo_snapshots["board"])
    assert "No previous result" in html
    # Appendix A alone, where the direction column is narrowest, is enough.
    start, end = (
        html.index('<section id="covering-paper"'),
        html.index('<section id="framework"'),
    )
    appendix_a = html[:start] + html[end:]
    assert pdf_page_problems(HTML(string=appendix_a).write_pdf()) == []
    broken = appendix_a.replace(
        "</style>",
        ".framework-table td:nth-child(6) { white-space: nowrap; }</style>",
    )
    problems = pdf_page_problems(HTML(string=broken).write_pdf())
    # the same pages, clean but for the one rule: the words of "No previous
    # result" cross the column's rule and sit on the flags beside them
    assert any("runs across the rule" in p for p in problems)
    assert any("overlaps" in p for p in problems)


def test_the_checker_sees_a_page_left_near_empty(
    demo_snapshots: dict[str, Any],
) -> None:
    """A line stranded on a page of its own inside the covering paper; the
    covering paper's own last page, before Appendix A turns landscape, may be
    short."""
    from weasyprint import HTML

    html = _board_html(demo_snapshots["board"])
    at = html.index('<h3 id="concerns">')
    stranded = (
        html[:at]
        + '<p style="break-before: page; break-after: page">A line on its own.</p>'
        + html[at:]
    )
    pdf = HTML(string=stranded).write_pdf()
    problems = pdf_page_problems(pdf)
    near_empty = [p for p in problems if "near empty" in p]
    assert len(near_empty) == 1
    page = int(near_empty[0].split()[1]) - 1
    assert "A line on its own." in page_texts(pdf)[page]


def test_the_checker_sees_text_off_the_sheet() -> None:
    from weasyprint import HTML

    pdf = HTML(
        string='<p style="margin-left: 190mm; white-space: nowrap">'
        + "Off the edge of an A4 sheet " * 3
        + "</p>"
    ).write_pdf()
    assert any("off the page" in p for p in pdf_page_problems(pdf))


def test_the_word_checker_sees_a_table_wider_than_the_page() -> None:
    from docx import Document
    from docx.shared import Mm

    document = Document()
    section = document.sections[0]
    section.page_width, section.left_margin, section.right_margin = (
        Mm(210),
        Mm(18),
        Mm(18),
    )
    table = document.add_table(rows=1, cols=2)
    for cell in table.rows[0].cells:
        cell.width = Mm(100)
    out = io.BytesIO()
    document.save(out)
    problems = word_layout_problems(out.getvalue())
    assert "section 1: no running header" in problems
    assert any("not Page N of M" in p for p in problems)
    assert any("a table row 0 is 200 mm wide, the text 174 mm" in p for p in problems)
