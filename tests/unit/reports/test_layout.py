"""The Board paper's PDF layout: nothing spills out of its table cell, long
commentary is cut in the framework table, and every page has its running header
and page number."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from services.reporting.reports.html import html_text
from services.reporting.reports.paper import build_paper

from .conftest import Rendered
from .reading import pdf_text


def _boxes(box: Any) -> Iterator[Any]:
    yield box
    for child in getattr(box, "children", ()):
        yield from _boxes(child)


def _text_of(box: Any) -> str:
    return "".join(getattr(b, "text", "") for b in _boxes(box))


def test_no_text_runs_out_of_its_table_cell(
    snapshots: dict[str, dict[str, Any]],
) -> None:
    from weasyprint import HTML
    from weasyprint.formatting_structure.boxes import TableCellBox, TextBox

    snapshot = copy.deepcopy(snapshots["board"])
    # the narrowest column's longest words, and a long commentary
    snapshot["indicators"][0]["direction"] = "none"
    snapshot["indicators"][0]["latest_result"]["commentary"] = "Partnership " * 200
    document = HTML(
        string=html_text(build_paper(snapshot), inline_charts=False)
    ).render()
    checked = spilled = 0
    seen_no_previous = False
    for page in document.pages:
        for box in _boxes(page._page_box):
            if not isinstance(box, TableCellBox):
                continue
            right = box.content_box_x() + box.width + 0.5
            for text in (b for b in _boxes(box) if isinstance(b, TextBox)):
                checked += 1
                if text.position_x + text.width > right:
                    spilled += 1
            seen_no_previous |= "previous" in _text_of(box)
    assert checked > 500 and seen_no_previous  # "No previous result" was laid out
    assert spilled == 0


def test_long_commentary_is_cut_in_the_table_and_whole_where_it_points(
    snapshots: dict[str, dict[str, Any]],
) -> None:
    words = " ".join(f"word{n}" for n in range(120))
    for kind, where, target in (
        ("board", "Appendix B", "commentary-"),
        ("executive", "the indicator detail", "ind-"),
    ):
        snapshot = copy.deepcopy(snapshots[kind])
        snapshot["indicators"][0]["latest_result"]["commentary"] = words
        paper = build_paper(snapshot)
        view = next(i for i in paper.indicators if i.commentary == words)
        assert view.commentary_short.endswith(f"(continued in {where})")
        html = html_text(paper)
        assert html.count(words) == 1  # whole only where the pointer leads
        assert "word119" in html
        link = f'<a href="#{target}{view.anchor}">continued in {where}</a>'
        assert link in html and f'id="{target}{view.anchor}"' in html
        assert html.index(link) < html.index(words)
    assert [i.code for i in paper.long_commentary] == [view.code]


def test_every_pdf_page_has_the_running_header_and_its_number(
    rendered: Rendered,
) -> None:
    from io import BytesIO

    from pypdf import PdfReader

    pages = PdfReader(BytesIO(rendered("board", "pdf"))).pages
    total = len(pages)
    for n, page in enumerate(pages, start=1):
        text = page.extract_text()
        assert "Northshire County Council | Children and Young People's Plan" in text
        assert f"Page {n} of {total}" in text
    assert pdf_text(rendered("board", "pdf"))


def test_word_has_a_running_header_and_page_fields(rendered: Rendered) -> None:
    from io import BytesIO

    from docx import Document

    document = Document(BytesIO(rendered("board", "docx")))
    for section in document.sections:
        assert "Children and Young People's Plan" in section.header.paragraphs[0].text
        footer = section.footer._element.xml
        assert 'w:instr=" PAGE "' in footer and 'w:instr=" NUMPAGES "' in footer
