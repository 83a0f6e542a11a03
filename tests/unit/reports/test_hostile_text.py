"""Text already in a log that XML cannot hold never stops a paper being written.

The API refuses such text now, but events recorded before it did may hold a
vertical tab (what Word pastes for a soft line break), NUL or ESC. Every
format must still render, with the line break kept as a line break.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest

from services.reporting.reports import render

from .reading import docx_text
from .snapshots import snapshot

COMMENTARY = "First line\vsecond line\x00 after a NUL\x1b[31m"
TITLE = "Children\x07 in care\x0c placed\ud800 far away\uffff"


def hostile(kind: str) -> dict[str, Any]:
    snap = snapshot(kind)
    first = snap["indicators"][0]
    first["title"] = TITLE
    first["named_lead"] = {"name": "Dana\x1fWright", "email": "dana@example.org"}
    for i in snap["indicators"]:
        if i["latest_result"]:
            i["latest_result"]["commentary"] = COMMENTARY
            i["latest_result"]["breakdowns"] = {"boys\x01": 50.0, "girls": 60.0}
    snap["title"] = "Board\x0b paper\x02"
    return snap


def _xml_of(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(
            z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml")
        )


@pytest.mark.parametrize("kind", ["executive", "board"])
def test_word_papers_are_written_and_keep_the_line_break(kind: str) -> None:
    data = render(hostile(kind), "docx")
    paragraphs, tables = docx_text(data)
    text = "\n".join(t for _, t in paragraphs) + "".join(
        c for table in tables for row in table for c in row
    )
    if kind == "executive":
        assert "First line\nsecond line after a NUL[31m" in text
    assert "Children in care" in text and "placed far away" in text
    for bad in ("\x00", "\x07", "\x0b", "\x0c", "\x1b", "\x1f", "\uffff"):
        assert bad not in _xml_of(data)


@pytest.mark.parametrize("kind", ["executive", "board"])
def test_excel_and_html_papers_are_written(kind: str) -> None:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(render(hostile(kind), "xlsx")))
    cells = [
        str(c) for sheet in book.worksheets for row in sheet.values for c in row if c
    ]
    assert any(c.startswith("Children in care") for c in cells)
    html = render(hostile(kind), "html").decode("utf-8")
    assert "\x00" not in html and "\x0b" not in html and "\x1b" not in html
    assert "Children in care" in html and "placed far away" in html


def test_the_pdf_paper_is_written() -> None:
    assert render(hostile("executive"), "pdf").startswith(b"%PDF")
